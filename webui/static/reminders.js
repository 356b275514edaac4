/* linerec: reminders and presence, on every page of a signed-in user.
 *
 * - asks POST /api/reminders when the page opens and about once a minute, saying
 *   whether the user did something in the page since (a key, a click, a touch: their
 *   presence); the reminders that came due are shown in the page and, if the user
 *   allowed it, as browser notifications. The box hands each reminder out once, so
 *   two open tabs never show the same one twice;
 * - the presence selector of the top bar is sent in the background;
 * - the memos page's "Allow notifications" button asks the browser, only when clicked.
 */
"use strict";

(function () {
  const EVERY_MS = 60000;
  let active = true; // opening a page is doing something
  let stopped = false;

  function token() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  for (const kind of ["keydown", "pointerdown", "touchstart", "wheel"]) {
    window.addEventListener(kind, () => { active = true; }, { passive: true, capture: true });
  }

  function alertsBox() {
    let box = document.getElementById("reminder-alerts");
    if (!box) {
      box = document.createElement("div");
      box.id = "reminder-alerts";
      box.className = "reminder-alerts";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    return box;
  }

  function line(memo) {
    return [memo.at, memo.place, memo.customer].filter(Boolean).join(" · ");
  }

  function showInPage(title, memo) {
    const item = document.createElement("div");
    item.className = "reminder-alert memo-" + memo.importance;
    item.dataset.memo = String(memo.id);
    const head = document.createElement("strong");
    head.textContent = title + ": ";
    const link = document.createElement("a");
    link.href = memo.url;
    link.textContent = memo.subject;
    const facts = document.createElement("div");
    facts.className = "reminder-facts";
    facts.textContent = line(memo);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "link reminder-close";
    close.setAttribute("aria-label", "×");
    close.textContent = "×";
    close.addEventListener("click", () => item.remove());
    item.append(close, head, link, facts);
    alertsBox().appendChild(item);
  }

  function notify(title, memo) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const shown = new Notification(title + ": " + memo.subject, {
        body: line(memo),
        tag: "linerec-memo-" + memo.id,
      });
      shown.onclick = () => {
        window.focus();
        window.location.href = memo.url;
      };
    } catch (error) {
      /* a browser that shows notifications only from a service worker: the page has it */
    }
  }

  function showPresence(state) {
    const dot = document.querySelector("[data-presence-dot]");
    if (!dot || !state) return;
    dot.className = "presence-dot presence-" + state;
  }

  async function ask() {
    if (stopped) return;
    const said = active;
    active = false;
    let answer;
    try {
      const response = await fetch("/api/reminders", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRF-Token": token(),
          Accept: "application/json",
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ active: said }),
      });
      if (response.status === 401 || response.status === 403) {
        stopped = true; // signed out: the next page asks for a sign-in
        return;
      }
      if (!response.ok) {
        active = active || said;
        return;
      }
      answer = await response.json();
    } catch (error) {
      active = active || said; // the box did not answer: say it next time
      return;
    }
    showPresence(answer.presence);
    for (const memo of answer.due || []) {
      showInPage(answer.title, memo);
      notify(answer.title, memo);
    }
    window.dispatchEvent(new CustomEvent("linerec:reminders", { detail: answer }));
  }

  function presenceForm() {
    const form = document.querySelector("[data-presence-form]");
    if (!form) return;
    const button = form.querySelector(".presence-set");
    if (button) button.hidden = true;
    const select = form.querySelector("select");
    select.addEventListener("change", async () => {
      try {
        const response = await fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": token(), Accept: "application/json" },
          body: new FormData(form),
        });
        if (response.ok) showPresence((await response.json()).presence);
      } catch (error) {
        form.submit();
      }
    });
  }

  function notificationButton() {
    const button = document.querySelector("[data-allow-notifications]");
    const state = document.querySelector("[data-notification-state]");
    if (!button) return;
    const say = () => {
      if (!("Notification" in window)) {
        if (state) state.textContent = button.dataset.unsupported;
        return;
      }
      button.hidden = Notification.permission !== "default";
      if (!state) return;
      if (Notification.permission === "granted") state.textContent = button.dataset.granted;
      else if (Notification.permission === "denied") state.textContent = button.dataset.denied;
      else state.textContent = "";
    };
    button.addEventListener("click", async () => {
      try {
        await Notification.requestPermission();
      } catch (error) {
        /* older browsers answer through a callback: the state is read below */
      }
      say();
    });
    say();
  }

  function start() {
    if (!document.querySelector('meta[name="csrf-token"]') || !document.querySelector(".who")) {
      return; // not signed in
    }
    presenceForm();
    notificationButton();
    ask();
    window.setInterval(ask, EVERY_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
