/* linerec: the dashboard and the wallboard kept up to date.
 *
 * Lines busy now follow the page's event stream (app.js: linerec.onLine). The
 * day's figures are asked again from the box (the element's data-dashboard, a
 * JSON answer of texts by figure) a moment after a call on a line one sees
 * starts, is answered or ends, and every data-every seconds in any case. The
 * wallboard (data-reload-signed-out) reloads when the session has ended, which
 * brings up the sign-in page, and shows the time.
 */
"use strict";

(function () {
  const board = document.querySelector("[data-dashboard]");
  if (!board) return;
  const linerec = (window.linerec = window.linerec || {});
  const BUSY = ["ringing", "dialling", "in_call", "silent", "seized"];
  const everyMs = Math.max(5, Number(board.dataset.every) || 60) * 1000;
  let pending = null;

  // data-state-in_call="..." is dataset.stateIn_call
  const stateLabel = (state) =>
    board.dataset["state" + state.charAt(0).toUpperCase() + state.slice(1)] || state;

  function clockText(date) {
    return [date.getHours(), date.getMinutes(), date.getSeconds()]
      .map((part) => String(part).padStart(2, "0"))
      .join(":");
  }

  function markUpdated() {
    document.querySelectorAll("[data-updated]").forEach((element) => {
      element.textContent = clockText(new Date());
    });
  }

  /* The busy counts: the tile, each line's chip and each operator's row. */
  function showLines(statuses) {
    let busy = 0;
    statuses.forEach((status) => {
      if (BUSY.includes(status.state)) busy += 1;
      const chip = document.querySelector('[data-line-state="' + status.line + '"]');
      if (chip) {
        chip.className = "line-state-chip state-" + status.state;
        const text = chip.querySelector(".chip-state");
        if (text) text.textContent = stateLabel(status.state);
      }
    });
    document.querySelectorAll("[data-busy]").forEach((element) => {
      element.textContent = String(busy);
    });
    document.querySelectorAll("[data-lines-count]").forEach((element) => {
      element.textContent = String(statuses.size);
    });
    document.querySelectorAll("[data-operator-lines]").forEach((row) => {
      const lines = row.dataset.operatorLines.split(",").map(Number);
      const count = lines.filter((line) => {
        const status = statuses.get(line);
        return status && BUSY.includes(status.state);
      }).length;
      const cell = row.querySelector("[data-operator-busy]");
      if (cell) cell.textContent = String(count);
    });
  }

  async function refresh() {
    let response;
    try {
      response = await fetch(board.dataset.dashboard, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch (error) {
      return; // the box is out of reach for a moment: the next round tries again
    }
    if (response.status === 401 && board.hasAttribute("data-reload-signed-out")) {
      window.location.reload();
      return;
    }
    if (!response.ok) return;
    const data = await response.json();
    Object.entries(data.figures).forEach(([name, text]) => {
      document.querySelectorAll('[data-figure="' + name + '"]').forEach((element) => {
        element.textContent = text;
      });
    });
    const operators = document.querySelector("[data-operators]");
    if (operators && typeof data.operators_html === "string") {
      operators.innerHTML = data.operators_html; // the box's own rendering, escaped there
    }
    if (linerec.lineStatuses) showLines(linerec.lineStatuses);
    markUpdated();
  }

  function soon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(refresh, 1500);
  }

  if (linerec.onLine) {
    linerec.onLine((status, statuses, event) => {
      showLines(statuses);
      if (["call_started", "call_answered", "call_ended"].includes(event)) soon();
    });
  }
  window.setInterval(refresh, everyMs);
  markUpdated();

  const clocks = document.querySelectorAll("[data-clock]");
  if (clocks.length) {
    const tickClock = () => clocks.forEach((clock) => (clock.textContent = clockText(new Date())));
    tickClock();
    window.setInterval(tickClock, 1000);
  }
})();
