/* linerec: the sales report's chart, drawn with uPlot (static/vendor/uplot, MIT).
 *
 * The page carries each day's sales and orders as JSON (#sales-data, see
 * webui/pages/sales_report.py): days as the UTC midnight of their date. Colours come
 * from the style sheet's variables, so the chart follows the light or dark look.
 */
"use strict";

(function () {
  const source = document.getElementById("sales-data");
  const element = document.querySelector('[data-chart="sales"]');
  if (!source || !element || !window.uPlot) return;
  const data = JSON.parse(source.textContent);
  const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const whole = new Intl.NumberFormat("en-US");
  const pad = (n) => String(n).padStart(2, "0");
  const dayText = (seconds) => {
    const date = new Date(seconds * 1000);
    return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1) + "-" + pad(date.getUTCDate());
  };
  function colours() {
    const look = window.linerec.charts.colours();
    return { ...look, one: look.series[0], two: look.series[1] };
  }

  function options(width, look) {
    const axis = (scale, side, format) => ({
      scale: scale, side: side, stroke: look.ink, size: 70,
      font: "12px system-ui, sans-serif",
      grid: { show: side === 3, stroke: look.grid, width: 1 },
      ticks: { stroke: look.grid, width: 1 },
      values: (u, splits) => splits.map((v) => (v == null ? "" : format(v))),
    });
    return {
      width: width,
      height: width < 500 ? 240 : 280,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
      scales: { x: { time: true }, amount: { range: (u, min, max) => [0, Math.max(1, max)] },
                orders: { range: (u, min, max) => [0, Math.max(1, max)] } },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: data.labels.day, value: (u, seconds) => (seconds == null ? "" : dayText(seconds)) },
        { label: data.labels.amount, scale: "amount", stroke: look.one, width: 2,
          value: (u, v) => (v == null ? "—" : money.format(v)) },
        { label: data.labels.orders, scale: "orders", stroke: look.two, width: 1, dash: [6, 4],
          value: (u, v) => (v == null ? "—" : whole.format(v)) },
      ],
      axes: [
        { stroke: look.ink, font: "12px system-ui, sans-serif", grid: { stroke: look.grid, width: 1 },
          ticks: { stroke: look.grid, width: 1 }, space: 60,
          values: (u, splits) => splits.map((s) => dayText(s).slice(5)) },
        axis("amount", 3, (v) => whole.format(v)),
        axis("orders", 1, (v) => whole.format(v)),
      ],
    };
  }

  function draw() {
    element.textContent = "";
    const plot = new uPlot(options(element.clientWidth, colours()), [data.x, data.amounts, data.orders], element);
    document.body.dataset.chartsDrawn = "1";
    return [[plot, element]];
  }

  window.linerec.charts.keepDrawn(draw);
})();
