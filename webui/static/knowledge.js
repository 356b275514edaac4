/* The knowledge base's pages.
 * - The category tree stays open beside the entries on a wide screen; on a phone it is
 *   folded above them while a search or a category is shown (the page says which).
 * - An import: while the file is sent and read, the button waits and says so (an import
 *   of thousands of rows takes a few seconds). */
"use strict";
(() => {
  const tree = document.querySelector("details[data-tree]");
  if (tree && window.matchMedia("(min-width: 721px)").matches) tree.open = true;
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
    const note = form.querySelector("[data-busy-note]");
    if (note) note.hidden = false;
    form.querySelectorAll("button[type=submit]").forEach((button) => {
      button.disabled = true;
    });
  });
})();
