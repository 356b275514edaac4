/* The knowledge base's pages: the category tree stays open beside the entries on a wide
 * screen; on a phone it is folded above them while a search or a category is shown (the
 * page says which). An import's progress is static/transfer.js's, as every import's. */
"use strict";
(() => {
  const tree = document.querySelector("details[data-tree]");
  if (tree && window.matchMedia("(min-width: 721px)").matches) tree.open = true;
})();
