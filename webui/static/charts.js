/* linerec: what the pages' charts share (drawn with uPlot, static/vendor/uplot, MIT).
 *
 * - linerec.charts.colours(): the look's colours, read from the style sheet's variables
 *   (--chart-1 … --chart-8 for the series, --muted for text, --line for the grid), so a
 *   chart follows the light or the dark look;
 * - linerec.charts.keepDrawn(draw, height): draw() builds a page's charts and returns
 *   them as [plot, element] pairs; they are sized again when the window is resized and
 *   built again when the system's look turns dark or light.
 */
"use strict";

(function () {
  const linerec = (window.linerec = window.linerec || {});

  function colours() {
    const style = getComputedStyle(document.documentElement);
    const read = (name) => style.getPropertyValue(name).trim();
    const series = [];
    for (let n = 1; n <= 8; n += 1) series.push(read("--chart-" + n));
    return { ink: read("--muted"), grid: read("--line"), series: series };
  }

  const standardHeight = (width) => (width < 500 ? 240 : 280);

  function keepDrawn(draw, height) {
    const heightFor = height || standardHeight;
    let built = draw();
    let resizing = null;
    window.addEventListener("resize", () => {
      window.clearTimeout(resizing);
      resizing = window.setTimeout(() => {
        built.forEach(([plot, element]) => {
          plot.setSize({ width: element.clientWidth, height: heightFor(element.clientWidth) });
        });
      }, 150);
    });
    const dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    if (dark && dark.addEventListener) {
      dark.addEventListener("change", () => {
        built.forEach(([plot]) => plot.destroy());
        built = draw();
      });
    }
  }

  linerec.charts = { colours: colours, height: standardHeight, keepDrawn: keepDrawn };
})();
