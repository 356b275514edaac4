/* linerec: the small script every page loads.
 *
 * - the event stream (/events): line states on the live page, the caller's
 *   card popping up on any page, the engine-offline banner; one stream per
 *   browser, shared by its tabs (see "the event stream" below);
 * - forms inside a popped card are sent in the background, so the card stays;
 * - the Record button of a line in manual mode (line cards, the caller's card),
 *   sent in the background and kept up to date from the line's status;
 * - the Call button (click-to-dial), sent in the background; how far the call the
 *   box places got, on the line's card and the caller's card;
 * - forms with data-confirm ask before they are sent;
 * - call timers on the live page;
 * - linerec.onLine(listener): other scripts of the page (the dashboard) told each
 *   line's status as it comes, with the event that changed it.
 * No libraries: the box has no internet, and the pages work without this
 * script except for what is live.
 */
"use strict";

(function () {
  const linerec = (window.linerec = window.linerec || {});
  linerec.pops = []; // {call_id, event, shownAt}: when each card was shown (for measurements)

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  linerec.csrfToken = csrfToken;

  /* POST a form (or FormData) to url; resolves to the parsed JSON answer. */
  linerec.post = async function (url, body) {
    const response = await fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
    });
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (!response.ok) {
      throw new Error(data.error || response.statusText);
    }
    return data;
  };

  // ---- line cards (live page) ------------------------------------------------------

  const lineLabels = () => {
    const grid = document.getElementById("lines");
    return grid ? grid.dataset : null;
  };

  function setText(card, selector, text) {
    const element = card.querySelector(selector);
    if (element) element.textContent = text || "";
  }

  const IN_A_CALL = ["in_call", "silent", "seized"];

  /* Every Record button of the line: shown during a call on a line in manual mode
   * (a caller's card's only during its own call), labelled by whether it records. */
  function updateRecordButtons(status) {
    document.querySelectorAll('[data-record-line="' + status.line + '"]').forEach((form) => {
      const call = form.dataset.recordCall;
      const ownCall = !call || String(status.call_id) === call;
      form.hidden = !(status.manual && ownCall && IN_A_CALL.includes(status.state));
      const button = form.querySelector(".record-button");
      if (!button) return;
      if (button.classList.contains("recording") !== !!status.recording) {
        setText(form, ".record-state", ""); // an earlier answer no longer holds
      }
      button.classList.toggle("recording", !!status.recording);
      button.querySelector(".record-icon").textContent = status.recording ? "■" : "●";
      button.querySelector(".record-label").textContent = status.recording
        ? button.dataset.labelStop
        : button.dataset.labelStart;
      form.querySelector('input[name="command"]').value = status.recording ? "stop" : "start";
      if (form.hidden) setText(form, ".record-state", "");
    });
  }

  /* Every Survey button of the line: shown during its answered call while the box does
   * nothing of its own there. */
  function updateSurveyButtons(status) {
    document.querySelectorAll('[data-survey-line="' + status.line + '"]').forEach((form) => {
      const call = form.dataset.surveyCall;
      const ownCall = !call || String(status.call_id) === call;
      const shown = ownCall && ["in_call", "silent"].includes(status.state) && !status.act;
      if (form.hidden && shown) setText(form, ".survey-state", "");
      form.hidden = !shown && !(ownCall && status.act === "survey");
      const button = form.querySelector(".survey-button");
      if (button) button.disabled = !shown;
    });
  }

  /* How far the call the box places on the line got, then how it ended: kept after the
   * call ends until another call starts (a caller's card: its own call only). */
  function updateDialStages(status) {
    document.querySelectorAll('[data-dial-line="' + status.line + '"]').forEach((mark) => {
      const call = mark.dataset.dialCall;
      if (call && String(status.call_id) !== call) return; // the card of another call
      if (status.dial) {
        mark.textContent = mark.dataset[camel("dial-" + status.dial.replace(/_/g, "-"))] || status.dial;
        mark.hidden = false;
      } else if (status.call_id) {
        mark.textContent = ""; // another call on the line: nothing of the box's
        mark.hidden = true;
      }
    });
  }

  /* The menu's groups: one open at a time, closed by a click elsewhere or Escape; a
     group's count is the sum of its entries' counts, kept with them. */
  function setUpMenu() {
    const groups = [...document.querySelectorAll(".menu-group")];
    groups.forEach((group) => group.addEventListener("toggle", () => {
      if (group.open) groups.forEach((other) => { if (other !== group) other.open = false; });
    }));
    document.addEventListener("click", (event) => {
      groups.forEach((group) => { if (!group.contains(event.target)) group.open = false; });
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") groups.forEach((group) => { group.open = false; });
    });
  }

  function updateGroupCounts() {
    document.querySelectorAll(".menu-group").forEach((group) => {
      const total = group.querySelector("[data-group-count]");
      if (!total) return;
      const sum = [...group.querySelectorAll(".menu-panel .count-badge")]
        .reduce((n, badge) => n + (badge.hidden ? 0 : Number(badge.textContent) || 0), 0);
      total.textContent = String(sum);
      total.hidden = !sum;
    });
  }

  /* The menu's count of new voicemail messages, asked again when the box took one. */
  async function updateVoicemailCount() {
    const badge = document.querySelector("[data-voicemail-new]");
    if (!badge) return;
    try {
      const response = await fetch("/api/voicemail/new", { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      badge.textContent = String(data.new);
      badge.hidden = !data.new;
      updateGroupCounts();
    } catch (error) {
      // the count stays as it was; the next page shows it
    }
  }

  /* The GSM modem or the text messages changed: the Messages page's modem panel and the
     menu's count of unread messages, asked again (at most once a second). */
  let smsAsked = 0;
  async function updateSms() {
    const badge = document.querySelector("[data-sms-unread]");
    const panel = document.querySelector("[data-sms-status]");
    if ((!badge && !panel) || Date.now() - smsAsked < 1000) return;
    smsAsked = Date.now();
    try {
      const response = await fetch("/messages/status", { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      if (badge) {
        badge.textContent = String(data.unread);
        badge.hidden = !data.unread;
        updateGroupCounts();
      }
      if (panel) panel.innerHTML = data.html;
    } catch (error) {
      // they stay as they were; the next page shows them
    }
  }

  // Other scripts of the page follow the lines too: listener(status, statuses, event), with
  // every line's latest status by number and the event's kind ("" for a fresh list).
  const lineListeners = [];
  const lineStatuses = new Map();
  linerec.onLine = (listener) => lineListeners.push(listener);
  linerec.lineStatuses = lineStatuses;

  function tellListeners(status, event) {
    lineStatuses.set(status.line, status);
    lineListeners.forEach((listener) => listener(status, lineStatuses, event || ""));
  }

  function updateLine(status) {
    updateRecordButtons(status);
    updateSurveyButtons(status);
    updateDialStages(status);
    const labels = lineLabels();
    if (!labels) return;
    const card = document.querySelector('.line[data-line="' + status.line + '"]');
    if (!card) return;
    card.className = "line state-" + status.state;
    const badge = card.querySelector(".badge");
    if (badge) badge.textContent = labels[camel("label-" + status.state)] || status.state;
    const mark = card.querySelector(".recording-mark");
    if (mark) mark.hidden = !status.recording;
    const act = card.querySelector(".act-mark");
    if (act) {
      act.hidden = !status.act;
      act.textContent = status.act ? labels[camel("act-" + status.act)] || status.act : "";
    }
    // A caller the box holds waits for the office (a voice menu's ring-through).
    const office = card.querySelector(".office-call");
    if (office) {
      office.hidden = !status.office_wanted;
      office.querySelector(".office-rung").hidden = !status.office_rung;
      office.querySelector(".office-unrung").hidden = !!status.office_rung;
    }
    setText(card, ".direction", status.direction ? labels[camel("label-" + status.direction)] : "");
    setText(card, ".number", status.number || "");
    setText(card, ".caller-name", status.name || "");
    const location = document.body.dataset.lang === "zh-CN" ? status.location_zh : status.location_en;
    setText(card, ".location", location || "");
    card.dataset.since = status.since || "";
    tick();
  }

  function camel(name) {
    return name.replace(/-([a-z_])/g, (_, letter) => letter.toUpperCase());
  }

  function tick() {
    document.querySelectorAll(".line").forEach((card) => {
      const since = parseFloat(card.dataset.since);
      const element = card.querySelector(".elapsed");
      if (!element) return;
      if (!since) {
        element.textContent = "";
        return;
      }
      const seconds = Math.max(0, Math.floor(Date.now() / 1000 - since));
      const minutes = Math.floor(seconds / 60);
      element.textContent = minutes + ":" + String(seconds % 60).padStart(2, "0");
    });
  }

  // ---- the caller's card -----------------------------------------------------------

  // The cards' column: below the menu bar on a wide screen, however many rows the bar wraps
  // to; on a phone where the style sheet puts it, at the bottom. Again whenever the window changes
  // (a tablet turned, a window narrowed).
  function placePops() {
    const pops = document.getElementById("pops");
    const bar = document.querySelector("header.top");
    if (!pops || pops.hidden) return;
    if (bar && window.innerWidth > 720) {
      const top = Math.max(0, bar.getBoundingClientRect().bottom) + 12;
      pops.style.top = top + "px";
      pops.style.maxHeight = "calc(100vh - " + (top + 12) + "px)";
    } else {
      pops.style.top = "";
      pops.style.maxHeight = "";
    }
  }
  window.addEventListener("resize", placePops);

  /* Show a call's card, or bring a shown one up to date.
   *
   * While the card still has the same customer and the same form, only its
   * live parts (state, number, customer, recent calls) change: a form the
   * operator is typing in keeps its text and its focus. Otherwise the card
   * is replaced, carrying over what was typed unless keepTyped is false.
   */
  // Cards the user closed stay closed while the browser tab lives, even when a
  // page opened during the call is told about the call again.
  const CLOSED = "linerec-closed-cards";
  const closedCards = () => JSON.parse(sessionStorage.getItem(CLOSED) || "[]");

  function showPop(data, keepTyped = true) {
    const pops = document.getElementById("pops");
    if (!pops) return;
    if (closedCards().includes(String(data.call_id))) return;
    const holder = document.createElement("div");
    holder.innerHTML = data.html;
    const card = holder.firstElementChild;
    if (!card) return;
    const existing = pops.querySelector('.pop-card[data-call="' + data.call_id + '"]');
    if (existing && keepTyped && sameShape(existing, card)) {
      existing.className = card.className;
      card.querySelectorAll("[data-live]").forEach((part) => {
        existing.querySelector('[data-live="' + part.dataset.live + '"]').replaceWith(part);
      });
    } else if (existing) {
      if (keepTyped) {
        existing.querySelectorAll("textarea, input[name]").forEach((field) => {
          const twin = card.querySelector('[name="' + field.name + '"]');
          if (twin && field.type !== "hidden" && field.value) twin.value = field.value;
        });
      }
      existing.replaceWith(card);
    } else {
      pops.prepend(card);
    }
    pops.hidden = false;
    document.body.classList.add("has-pops");
    placePops();
    linerec.pops.push({ call_id: data.call_id, event: data.event, shownAt: Date.now() });
  }

  function sameShape(old, fresh) {
    const parts = (card) => [...card.querySelectorAll("[data-live]")].map((p) => p.dataset.live);
    return (
      old.dataset.customer === fresh.dataset.customer &&
      old.dataset.form === fresh.dataset.form &&
      parts(old).join() === parts(fresh).join()
    );
  }

  /* The call ended: the card says so, and closes by itself after the user's
   * chosen time (0: it stays), unless they are writing in it. */
  function endPop(data) {
    if (data.html) showPop(data);
    const card = document.querySelector('.pop-card[data-call="' + data.call_id + '"]');
    if (!card) return;
    card.classList.add("ended");
    const after = Number(data.close_after_s || 0);
    if (after > 0) closeLater(card, after * 1000);
  }

  function closeLater(card, delay) {
    window.setTimeout(() => {
      if (!card.isConnected) return;
      const active = document.activeElement;
      const writing =
        (card.contains(active) && active.matches("textarea, input, select")) ||
        [...card.querySelectorAll("textarea, input:not([type=hidden]):not([readonly])")].some(
          (field) => field.value.trim() !== ""
        );
      if (writing) {
        closeLater(card, 5000); // look again: it goes once the note is sent or cleared
      } else {
        removePop(card);
      }
    }, delay);
  }

  function removePop(card) {
    const pops = card.parentElement;
    card.remove();
    if (pops && !pops.querySelector(".pop-card")) {
      pops.hidden = true;
      document.body.classList.remove("has-pops");
    }
  }

  /* A recording's marks (the announcement) on the player's timeline, where they sound. */
  function placeMarks() {
    document.querySelectorAll("[data-timeline] .timeline-mark").forEach((mark) => {
      const length = Number(mark.dataset.length);
      if (!(length > 0)) return;
      const start = Number(mark.dataset.start);
      const end = Math.min(Number(mark.dataset.end), length);
      mark.style.left = (100 * start) / length + "%";
      mark.style.width = Math.max(0.5, (100 * (end - start)) / length) + "%";
    });
  }

  /* Play a recording from a moment on (past the announcement). */
  function playFrom(button) {
    const audio = button.closest(".player-box")?.querySelector("audio.player");
    if (!audio) return;
    const at = Number(button.dataset.skipTo);
    const go = () => {
      audio.currentTime = at;
      audio.play().catch(() => {});
    };
    if (audio.readyState >= 1) {
      go();
    } else {
      audio.addEventListener("loadedmetadata", go, { once: true });
      audio.load();
    }
  }

  document.addEventListener("click", (event) => {
    const skip = event.target.closest("[data-skip-to]");
    if (skip) playFrom(skip);
    const close = event.target.closest("[data-close]");
    if (close) {
      const card = close.closest(".pop-card");
      if (card) {
        const closed = closedCards().concat(card.dataset.call).slice(-50);
        sessionStorage.setItem(CLOSED, JSON.stringify(closed));
        removePop(card);
      }
    }
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-record-form")) {
      event.preventDefault();
      sendRecord(form);
      return;
    }
    if (form.hasAttribute("data-survey-form")) {
      event.preventDefault();
      sendSurvey(form);
      return;
    }
    if (form.hasAttribute("data-dial-form")) {
      event.preventDefault();
      sendDial(form);
      return;
    }
    if (!form.hasAttribute("data-pop-form")) return;
    event.preventDefault();
    const result = form.querySelector(".form-result");
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    if (result) result.classList.remove("refused");
    try {
      const data = await linerec.post(form.action, new FormData(form));
      if (data.html) {
        const card = form.closest(".pop-card");
        showPop({ call_id: card.dataset.call, event: "updated", html: data.html }, false);
      } else {
        if (result) result.textContent = data.saved || "✓";
        const text = form.querySelector("textarea");
        if (text) text.value = "";
      }
    } catch (error) {
      if (result) {
        result.textContent = error.message;
        result.classList.add("refused");  /* a refusal reads as one, not as done */
        result.scrollIntoView({ block: "nearest" });  /* in sight, below a long form too */
      }
    } finally {
      if (button) button.disabled = false;
    }
  });

  /* Hand the caller to the survey; the answer says to hang up, or why not. */
  async function sendSurvey(form) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    setText(form, ".survey-state", "");
    try {
      const data = await linerec.post(form.getAttribute("action"), new FormData(form));
      setText(form, ".survey-state", data.message);
    } catch (error) {
      setText(form, ".survey-state", error.message);
      button.disabled = false;
    }
  }

  /* Have the box call the number; the answer says to pick up the phone, or why not. */
  async function sendDial(form) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    setText(form, ".dial-state", "");
    try {
      const data = await linerec.post(form.getAttribute("action"), new FormData(form));
      setText(form, ".dial-state", data.message);
    } catch (error) {
      setText(form, ".dial-state", error.message);
    } finally {
      button.disabled = false;
    }
  }

  /* Start or stop a recording; the line's next status shows the outcome on the button. */
  async function sendRecord(form) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    setText(form, ".record-state", "");
    try {
      const data = await linerec.post(form.getAttribute("action"), new FormData(form));
      setText(form, ".record-state", data.message);
    } catch (error) {
      setText(form, ".record-state", error.message);
    } finally {
      button.disabled = false;
    }
  }

  // ---- the event stream ------------------------------------------------------------
  //
  // A browser keeps at most six connections to the box, and its back/forward
  // cache keeps the pages left behind: a stream per page would soon use them
  // all up and leave the next page waiting. So one tab of the browser holds
  // the stream (whichever holds the Web Lock "linerec-events") and passes on
  // what it hears to the other tabs by a BroadcastChannel; a tab that opens
  // asks for what it missed ("hello") and the holder tells it again. A page
  // that is left closes its stream and lets go of the lock, so another tab
  // takes over; coming back from the cache, it joins again. Where the
  // browser has no Web Locks (an old one, or plain HTTP to another machine)
  // each page has a stream of its own, still closed when it is left.

  const LOCK = "linerec-events";
  const handlers = {
    lines: (data) => {
      const offline = document.getElementById("engine-offline");
      if (offline) offline.hidden = data.connected;
      lineStatuses.clear();
      data.lines.forEach((status) => {
        updateLine(status);
        tellListeners(status, "");
      });
      linerec.streamReady = true;
    },
    line: (data) => {
      updateLine(data);
      tellListeners(data, data.event);
      if (data.event === "act_ended" && data.ended_act === "voicemail") updateVoicemailCount();
    },
    pop: (data) => showPop(data),
    pop_end: endPop,
    sms: updateSms,
  };
  const heard = { lines: null, pops: new Map() }; // what a newcomer tab is told again
  let source = null;
  let channel = null;
  let letGo = null; // resolves the lock's promise: another tab may take the stream

  function remember(name, data) {
    if (name === "lines") {
      heard.lines = data;
    } else if (name === "line" && heard.lines) {
      const others = heard.lines.lines.filter((status) => status.line !== data.line);
      heard.lines = { connected: heard.lines.connected, lines: [...others, data] };
    } else if (name === "pop") {
      heard.pops.set(data.call_id, data);
    } else if (name === "pop_end") {
      heard.pops.delete(data.call_id);
    }
  }

  function hear(name, data) {
    remember(name, data);
    handlers[name](data);
  }

  function tellAgain() {
    if (heard.lines) channel.postMessage({ name: "lines", data: heard.lines });
    heard.pops.forEach((data) => channel.postMessage({ name: "pop", data: data }));
  }

  function openStream(url, share, retryS = 2) {
    const opened = new EventSource(url);
    source = opened;
    linerec.events = opened;
    Object.keys(handlers).forEach((name) => {
      opened.addEventListener(name, (message) => {
        const data = JSON.parse(message.data);
        hear(name, data);
        if (share && channel) channel.postMessage({ name: name, data: data });
        retryS = 2;
      });
    });
    // The browser tries again by itself after a dropped connection, but not after an
    // error answer (too many streams, the box restarting): then this page does, later.
    opened.addEventListener("error", () => {
      if (opened.readyState !== EventSource.CLOSED || source !== opened) return;
      setTimeout(() => {
        if (source === opened) openStream(url, share, Math.min(retryS * 2, 30));
      }, retryS * 1000);
    });
  }

  function join() {
    const url = document.body.dataset.events;
    if (!url || !window.EventSource) return;
    if (!window.BroadcastChannel || !navigator.locks) {
      openStream(url, false);
      return;
    }
    channel = new BroadcastChannel(LOCK);
    channel.onmessage = (message) => {
      const { name, data } = message.data;
      if (name === "hello") {
        if (source) tellAgain();
      } else if (handlers[name]) {
        hear(name, data);
      }
    };
    channel.postMessage({ name: "hello" });
    navigator.locks.request(LOCK, () => {
      if (!channel) return null; // left meanwhile
      openStream(url, true);
      return new Promise((resolve) => {
        letGo = resolve;
      });
    });
  }

  function leave() {
    if (source) source.close();
    source = null;
    if (letGo) letGo();
    letGo = null;
    if (channel) channel.close();
    channel = null;
  }

  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) join(); // back from the back/forward cache
  });

  document.addEventListener("DOMContentLoaded", () => {
    setUpMenu();
    placeMarks();
    join();
    if (document.getElementById("lines")) {
      tick();
      setInterval(tick, 1000);
    }
  });
})();
