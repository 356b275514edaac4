/* linerec: how far an import or an export has got.
 *
 * Every file sent in a form (enctype multipart/form-data: customers, firewall lists,
 * dialling numbers, prompts, sensitive words) and every export link (a[download]: Excel,
 * CSV, recordings) goes through here, so a transfer that takes more than a moment shows a
 * panel at the bottom of the page: the share of the file sent, then the seconds the box
 * has been working on it; for an export, the seconds the box takes to make the file, then
 * the share of it received. Nothing shows for what is done within TRANSFER_QUIET_MS.
 *
 * The answer is what the browser would have shown without this script: the page a form
 * leads to (followed, or put in place of this page's main part when it is the same
 * address, as with a file's problems named row by row), the file saved under the name the
 * box gives it, an export the box refuses opened as a page. Texts come from the panel's data-* attributes (in the user's language).
 * linerec.transfers keeps each transfer's steps, for the browser tests.
 */
"use strict";

(function () {
  const linerec = (window.linerec = window.linerec || {});
  const transfers = (linerec.transfers = linerec.transfers || []);
  const TRANSFER_QUIET_MS = 300;

  function panelTexts() {
    const panel = document.getElementById("transfer");
    return panel ? panel.dataset : null;
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0);
  }

  /* One transfer's panel: shown after TRANSFER_QUIET_MS if it is still going. */
  function startTransfer(kind, name) {
    const record = { kind: kind, name: name, steps: [], started: Date.now() };
    transfers.push(record);
    const panel = document.getElementById("transfer");
    const label = panel.querySelector("[data-transfer-label]");
    const bar = panel.querySelector("progress");
    let step = null;
    let shown = false;
    let timer = null;
    const show = () => {
      if (!step) return;
      const seconds = Math.round((Date.now() - step.since) / 1000);
      label.textContent = fill(step.text, { name: name, seconds: seconds, ...step.values });
      if (step.share === null) {
        bar.removeAttribute("value"); // an indeterminate bar: the box is working
      } else {
        bar.value = step.share;
      }
    };
    const reveal = setTimeout(() => {
      shown = true;
      panel.hidden = false;
      show();
      timer = setInterval(show, 500);
    }, TRANSFER_QUIET_MS);
    return {
      step(stage, text, share, values) {
        if (!step || step.stage !== stage) {
          record.steps.push({ stage: stage, at: Date.now() - record.started });
          step = { stage: stage, since: Date.now() };
        }
        Object.assign(step, { text: text, share: share, values: values || {} });
        if (shown) show();
      },
      end(outcome) {
        record.steps.push({ stage: outcome, at: Date.now() - record.started });
        record.shown = shown;
        clearTimeout(reveal);
        clearInterval(timer);
        panel.hidden = true;
      },
    };
  }

  /* The box's answer to a form, shown as the browser would have: the page it redirected
     to is loaded; a page it answered itself (the form again with the file's problems, the
     check before an import) takes the place of this page's main part. */
  function showAnswer(action, responseUrl, html) {
    const sent = new URL(action, location.href).href;
    const main = new DOMParser().parseFromString(html, "text/html");
    const answer = main.querySelector("main");
    const here = document.querySelector("main");
    if ((responseUrl && responseUrl !== sent) || !answer || !here) {
      location.assign(responseUrl || sent);
      return;
    }
    document.title = main.title;
    here.replaceWith(document.adoptNode(answer));
    window.scrollTo(0, 0);
  }

  // ---- imports: a file sent in a form --------------------------------------------------

  function sendForm(form, submitter) {
    const texts = panelTexts();
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const file = [...form.querySelectorAll('input[type="file"]')]
      .map((input) => input.files[0]).find(Boolean);
    const transfer = startTransfer("import", file ? file.name : "");
    const buttons = [...form.querySelectorAll("button[type=submit]")];
    buttons.forEach((button) => { button.disabled = true; }); // sent once
    const request = new XMLHttpRequest();
    request.open(form.method || "POST", form.action);
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const share = event.loaded / event.total;
      if (share < 1) {
        transfer.step("sending", texts.sending, share, {
          percent: Math.round(share * 100), size: megabytes(event.total) });
      } else {
        transfer.step("working", texts.working, null);
      }
    });
    request.upload.addEventListener("load", () => transfer.step("working", texts.working, null));
    request.addEventListener("load", () => {
      transfer.end("done");
      showAnswer(form.action, request.responseURL, request.responseText);
    });
    request.addEventListener("error", () => {
      buttons.forEach((button) => { button.disabled = false; });
      transfer.end("failed");
      window.alert(texts.failed);
    });
    transfer.step("sending", texts.sending, 0, { percent: 0, size: file ? megabytes(file.size) : "0" });
    request.send(data);
  }

  // ---- exports: a file the box makes -----------------------------------------------------

  function fileName(response, url) {
    const disposition = response.headers.get("Content-Disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    if (star) return decodeURIComponent(star[1]);
    const plain = /filename="?([^";]+)"?/i.exec(disposition);
    if (plain) return plain[1];
    return new URL(url, location.href).pathname.split("/").pop() || "download";
  }

  async function fetchFile(link) {
    const texts = panelTexts();
    const url = link.href;
    const transfer = startTransfer("export", link.textContent.trim());
    transfer.step("preparing", texts.preparing, null);
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin" });
    } catch (error) {
      transfer.end("failed");
      window.alert(texts.failed);
      return;
    }
    if (!response.ok || !response.body) {
      transfer.end("refused");
      location.assign(url); // the box's answer (a problem named in one line), as a page
      return;
    }
    const total = Number(response.headers.get("Content-Length")) || 0;
    const reader = response.body.getReader();
    const parts = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      received += value.length;
      if (total) {
        transfer.step("receiving", texts.receiving, received / total, {
          percent: Math.round((100 * received) / total), size: megabytes(total) });
      } else {
        transfer.step("receiving", texts.receivingSize, null, { received: megabytes(received) });
      }
    }
    const blob = new Blob(parts, { type: response.headers.get("Content-Type") || "" });
    const save = document.createElement("a");
    save.href = URL.createObjectURL(blob);
    save.download = fileName(response, url);
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(save.href), 60000);
    transfer.end("done");
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !panelTexts()) return;
    if ((form.enctype || "").toLowerCase() !== "multipart/form-data") return;
    if (!form.querySelector('input[type="file"]')) return;
    event.preventDefault();
    sendForm(form, event.submitter);
  });

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[download]");
    if (!link || event.defaultPrevented || !panelTexts()) return;
    if (link.protocol === "blob:") return; // a file received here, being saved
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    fetchFile(link);
  });
})();
