/* linerec: the pipeline's cards move between stages by dragging, as well as by their form.
 *
 * Each card carries its own small form (a stage and a Move button) that works without
 * this script; dropping a card on another stage's column chooses that stage in the card's
 * form and sends it, so the server sees the same request either way.
 */
"use strict";

(function () {
  const board = document.querySelector(".pipeline");
  if (!board) return;
  let dragged = null;

  board.querySelectorAll(".opportunity-card").forEach((card) => {
    card.draggable = true;
    card.addEventListener("dragstart", (event) => {
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.opportunity || "");
    });
    card.addEventListener("dragend", () => {
      card.classList.remove("dragging");
      board.querySelectorAll(".drop-here").forEach((stage) => stage.classList.remove("drop-here"));
      dragged = null;
    });
  });

  board.querySelectorAll(".stage").forEach((stage) => {
    stage.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      stage.classList.add("drop-here");
    });
    stage.addEventListener("dragleave", () => stage.classList.remove("drop-here"));
    stage.addEventListener("drop", (event) => {
      event.preventDefault();
      stage.classList.remove("drop-here");
      if (!dragged || dragged.closest(".stage") === stage) return;
      const form = dragged.querySelector("form.move");
      form.querySelector("select[name=stage]").value = stage.dataset.stage;
      form.submit();
    });
  });
})();
