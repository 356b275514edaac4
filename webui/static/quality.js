/* linerec: quality inspection's results chart, drawn with uPlot (static/vendor/uplot, MIT).
 *
 * The page carries its figures as JSON (#quality-data, see webui/pages/quality_results.py):
 * the weeks' Mondays as the box's local time written as UTC, and each operator's average
 * score per week (null: nothing scored that week). Colours come from the style sheet's
 * variables, so the chart follows the light or dark look, and is drawn again when it
 * changes or the window is resized.
 */
"use strict";

(function () {
  const source = document.getElementById("quality-data");
  const element = document.querySelector("[data-quality-chart]");
  if (!source || !element || !window.uPlot) return;
  const data = JSON.parse(source.textContent);
  const chinese = data.language === "zh-CN";
  const pad = (n) => String(n).padStart(2, "0");

  function dayText(seconds) {
    const date = new Date(seconds * 1000);
    const month = date.getUTCMonth() + 1;
    return chinese ? month + "月" + date.getUTCDate() + "日" : date.getUTCDate() + "/" + month;
  }

  function fullDay(seconds) {
    const date = new Date(seconds * 1000);
    return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1) + "-" + pad(date.getUTCDate());
  }

  const colours = window.linerec.charts.colours;

  function options(width, look) {
    return {
      width: width,
      height: width < 500 ? 240 : 280,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
      scales: { x: { time: true }, score: { auto: false, range: [0, 100] } },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: data.period_label, value: (u, v) => (v == null ? "" : data.week_of.replace("{date}", fullDay(v))) },
        ...data.series.map((series, index) => ({
          label: series.label,
          scale: "score",
          stroke: look.series[index % look.series.length],
          width: 2,
          points: { show: true, size: 5 },
          spanGaps: true,
          value: (u, v) => (v == null ? "—" : v.toFixed(1)),
        })),
      ],
      axes: [
        {
          stroke: look.ink,
          font: "12px system-ui, sans-serif",
          grid: { stroke: look.grid, width: 1 },
          ticks: { stroke: look.grid, width: 1 },
          values: (u, splits) => splits.map(dayText),
          incrs: [7 * 86400, 14 * 86400, 28 * 86400, 56 * 86400, 91 * 86400],
          space: 60,
        },
        {
          scale: "score",
          label: data.scale,
          labelSize: 18,
          labelFont: "12px system-ui, sans-serif",
          font: "12px system-ui, sans-serif",
          stroke: look.ink,
          grid: { stroke: look.grid, width: 1 },
          ticks: { stroke: look.grid, width: 1 },
          size: 48,
        },
      ],
    };
  }

  function draw() {
    element.textContent = "";
    const rows = [data.x, ...data.series.map((series) => series.values)];
    const plot = new uPlot(options(element.clientWidth, colours()), rows, element);
    document.body.dataset.chartsDrawn = "1";
    return [[plot, element]];
  }

  window.linerec.charts.keepDrawn(draw);
})();
