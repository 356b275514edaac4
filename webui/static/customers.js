/* linerec: the customer form's number rows (add and remove rows).
 * Without this script the form shows a few empty rows, and a number is removed
 * by clearing its field.
 */
"use strict";

(function () {
  function rows() {
    return document.querySelector("[data-number-rows]");
  }

  function blankRows(holder) {
    return Array.from(holder.querySelectorAll("[data-number-row]")).filter((row) =>
      Array.from(row.querySelectorAll("input")).every((input) => !input.value)
    );
  }

  function addRow(holder) {
    const template = holder.querySelector("[data-number-row]");
    if (!template) return null;
    const row = template.cloneNode(true);
    row.classList.remove("has-problem");
    row.querySelectorAll("input").forEach((input) => (input.value = ""));
    row.querySelectorAll("select").forEach((select) => (select.value = ""));
    row.querySelectorAll(".field-problem").forEach((element) => element.remove());
    holder.appendChild(row);
    return row;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const holder = rows();
    if (!holder) return;
    // With the script: one empty row is enough, more come with the button.
    blankRows(holder).slice(1).forEach((row) => row.remove());
    holder.querySelectorAll("[data-remove-number]").forEach((button) => (button.hidden = false));
    const add = document.querySelector("[data-add-number]");
    if (add) {
      add.hidden = false;
      add.addEventListener("click", () => {
        const row = addRow(holder);
        if (row) row.querySelector("input").focus();
      });
    }
    holder.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove-number]");
      if (!button) return;
      const row = button.closest("[data-number-row]");
      if (holder.querySelectorAll("[data-number-row]").length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach((input) => (input.value = ""));
        row.querySelectorAll("select").forEach((select) => (select.value = ""));
      }
    });
  });
})();
