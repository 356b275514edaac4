/* linerec: the reports' charts, drawn with uPlot (static/vendor/uplot, MIT).
 *
 * The page carries its figures as JSON (#report-data, see webui/report_model.py):
 * the periods' starts as the box's local time written as UTC, and each chart's
 * series with the scale each is read on. Colours come from the style sheet's
 * variables, so the charts follow the light or dark look and are drawn again
 * when it changes, or when the window is resized.
 */
"use strict";

(function () {
  const source = document.getElementById("report-data");
  if (!source || !window.uPlot) return;
  const report = JSON.parse(source.textContent);
  const chinese = report.language === "zh-CN";
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const grouped = new Intl.NumberFormat("en-US");
  // Ticks at round counts, and at round times (seconds, minutes, hours).
  const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
  const SECOND_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  // Time ticks on whole hours, days, or weeks (which start on Monday, as the periods do).
  const HOUR = 3600;
  const DAY = 86400;
  const TIME_STEPS = {
    hour: [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY],
    day: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY],
    week: [7 * DAY, 14 * DAY, 28 * DAY, 56 * DAY, 91 * DAY],
  };

  const pad = (n) => String(n).padStart(2, "0");

  function dayText(date) {
    const month = date.getUTCMonth();
    const day = date.getUTCDate();
    return chinese ? month + 1 + "月" + day + "日" : day + " " + MONTHS[month];
  }

  function fullDayText(date) {
    return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1) + "-" + pad(date.getUTCDate());
  }

  /* A period as the legend names it. */
  function periodText(seconds) {
    if (seconds == null) return "";
    const date = new Date(seconds * 1000);
    if (report.per === "hour") return fullDayText(date) + " " + pad(date.getUTCHours()) + ":00";
    if (report.per === "week") return report.week_of.replace("{date}", fullDayText(date));
    return fullDayText(date);
  }

  /* Time axis labels: hours of the day (a day's first with its date), or days. */
  function timeLabels(u, splits, axis, space, step) {
    return splits.map((seconds) => {
      const date = new Date(seconds * 1000);
      if (step < 86400) {
        const hour = pad(date.getUTCHours()) + ":00";
        return date.getUTCHours() === 0 ? dayText(date) + "\n" + hour : hour;
      }
      return dayText(date);
    });
  }

  function minutesSeconds(value) {
    const whole = Math.round(value);
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const seconds = pad(whole % 60);
    return hours ? hours + ":" + pad(minutes) + ":" + seconds : minutes + ":" + seconds;
  }

  const FORMATS = {
    calls: (v) => grouped.format(v),
    ratings: (v) => grouped.format(v),
    percent: (v) => (Math.round(v * 10) / 10).toString() + "%",
    seconds: minutesSeconds,
    seconds_talk: minutesSeconds,
    rating: (v) => v.toFixed(2),
  };
  const formatted = (scale) => (u, value) => (value == null ? "—" : FORMATS[scale](value));

  const colours = window.linerec.charts.colours;

  function axisFor(scale, side, look) {
    const axis = {
      scale: scale,
      side: side,
      label: report.scales[scale] || "",
      labelSize: 18,
      labelFont: "12px system-ui, sans-serif",
      font: "12px system-ui, sans-serif",
      stroke: look.ink,
      grid: { show: side === 3, stroke: look.grid, width: 1 },
      ticks: { stroke: look.grid, width: 1 },
      size: 56,
      values: (u, splits) => splits.map((v) => (v == null ? "" : FORMATS[scale](v))),
    };
    if (scale === "calls" || scale === "ratings") axis.incrs = COUNT_STEPS;
    if (scale.startsWith("seconds")) axis.incrs = SECOND_STEPS;
    return axis;
  }

  function options(chart, width, look) {
    const scales = [];
    chart.series.forEach((series) => {
      if (!scales.includes(series.scale)) scales.push(series.scale);
    });
    const many = report.x.length > 60;
    const scaleOptions = { x: { time: true } };
    scales.forEach((scale) => {
      scaleOptions[scale] = { auto: true };
      if (scale === "percent") scaleOptions[scale] = { auto: false, range: [0, 100] };
      if (scale === "rating") scaleOptions[scale] = { auto: false, range: [1, 5] };
      if (scale === "calls" || scale === "ratings") {
        scaleOptions[scale] = { auto: true, range: (u, min, max) => [0, Math.max(1, max)] };
      }
      if (scale.startsWith("seconds")) {
        scaleOptions[scale] = { auto: true, range: (u, min, max) => [0, Math.max(10, max)] };
      }
    });
    return {
      width: width,
      height: width < 500 ? 240 : 280,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
      scales: scaleOptions,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: report.period_label, value: (u, seconds) => periodText(seconds) },
        ...chart.series.map((series, index) => ({
          label: series.label,
          scale: series.scale,
          stroke: look.series[index % look.series.length],
          width: 2,
          dash: series.scale === "percent" || series.scale === "ratings" ? [6, 4] : undefined,
          points: { show: !many, size: 5 },
          spanGaps: false,
          value: formatted(series.scale),
        })),
      ],
      axes: [
        {
          stroke: look.ink,
          font: "12px system-ui, sans-serif",
          grid: { stroke: look.grid, width: 1 },
          ticks: { stroke: look.grid, width: 1 },
          values: timeLabels,
          incrs: TIME_STEPS[report.per],
          space: 60,
        },
        ...scales.map((scale, index) => axisFor(scale, index === 0 ? 3 : 1, look)),
      ],
    };
  }

  function draw() {
    const built = [];
    const look = colours();
    report.charts.forEach((chart) => {
      const element = document.querySelector('[data-chart="' + chart.id + '"]');
      if (!element) return;
      element.textContent = "";
      const data = [report.x, ...chart.series.map((series) => series.values)];
      const plot = new uPlot(options(chart, element.clientWidth, look), data, element);
      built.push([plot, element]);
    });
    document.body.dataset.chartsDrawn = String(built.length);
    return built;
  }

  window.linerec.charts.keepDrawn(draw);
})();
