/* The knowledge base's import: while the file is sent and read, the button waits and
 * says so (an import of thousands of rows takes a few seconds). */
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
  const note = form.querySelector("[data-busy-note]");
  if (note) note.hidden = false;
  form.querySelectorAll("button[type=submit]").forEach((button) => {
    button.disabled = true;
  });
});
