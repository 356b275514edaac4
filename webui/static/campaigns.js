/* linerec: the campaigns compared as grouped bars, drawn with uPlot (static/vendor/uplot).
 *
 * The page carries its figures as JSON (#campaign-data): the campaigns' names and, per
 * figure (targets, reached, interested, orders), a value per campaign. Each bar has an
 * x position of its own (campaign i, figure k at i * (figures + 1) + k), each figure a
 * series that is empty elsewhere; the axis names each campaign under its bars. Colours
 * come from the style sheet's variables, and the chart is drawn again when the look
 * changes or the window is resized.
 */
"use strict";

(function () {
  const source = document.getElementById("campaign-data");
  const element = document.querySelector('[data-chart="campaigns"]');
  if (!source || !element || !window.uPlot) return;
  const chart = JSON.parse(source.textContent);
  const figures = chart.series.length;
  const step = figures + 1;
  const count = chart.names.length;
  const grouped = new Intl.NumberFormat();
  const x = [];
  for (let i = 0; i < count; i += 1) {
    for (let k = 0; k < figures; k += 1) x.push(i * step + k);
  }
  const data = [x];
  chart.series.forEach((series, k) => {
    data.push(x.map((position) => (position % step === k ? series.values[Math.floor(position / step)] : null)));
  });

  const colours = window.linerec.charts.colours;

  function height(width) {
    return width < 500 ? 220 : 280;
  }

  function options(width, look) {
    const bars = uPlot.paths.bars({ size: [0.9, 48], align: 0 });
    return {
      width: width,
      height: height(width),
      scales: {
        x: { time: false, range: () => [-0.7, count * step - 1.3] },
        y: { auto: true, range: (u, min, max) => [0, Math.max(1, max)] },
      },
      legend: { live: false },
      cursor: { show: false },
      series: [
        {},
        ...chart.series.map((series, k) => {
          const colour = look.series[k % look.series.length];
          return { label: series.label, stroke: colour, fill: colour, width: 1, paths: bars,
                   points: { show: false }, spanGaps: false,
                   value: (u, v) => (v == null ? "—" : grouped.format(v)) };
        }),
      ],
      axes: [
        {
          stroke: look.ink,
          font: "12px system-ui, sans-serif",
          grid: { show: false },
          ticks: { show: false },
          splits: () => chart.names.map((name, i) => i * step + (figures - 1) / 2),
          values: (u, splits) => splits.map((position) => {
            const name = chart.names[Math.round((position - (figures - 1) / 2) / step)] || "";
            return name.length > 14 ? name.slice(0, 13) + "…" : name;
          }),
        },
        {
          stroke: look.ink,
          font: "12px system-ui, sans-serif",
          grid: { stroke: look.grid, width: 1 },
          ticks: { stroke: look.grid, width: 1 },
          size: 52,
          values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? grouped.format(v) : "")),
        },
      ],
    };
  }

  function draw() {
    element.textContent = "";
    const plot = new uPlot(options(element.clientWidth, colours()), data, element);
    document.body.dataset.chartsDrawn = "1";
    return [[plot, element]];
  }

  window.linerec.charts.keepDrawn(draw, height);
})();
