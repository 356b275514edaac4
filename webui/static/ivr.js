// The voice menu editor: each node shows the fields of its kind, and the node selects
// offer the names typed in the form (a node added is a target at once). Without this
// script every field shows, and a dry run brings the new names into the selects.
(function () {
  "use strict";
  var form = document.querySelector(".ivr-form");
  if (!form) return;

  function names() {
    var found = [];
    form.querySelectorAll("input.node-name").forEach(function (input) {
      var name = input.value.trim();
      if (name && found.indexOf(name) < 0) found.push(name);
    });
    return found;
  }

  function refreshSelects() {
    var list = names();
    form.querySelectorAll("select.node-select").forEach(function (select) {
      var chosen = select.value;
      var blank = select.options.length ? select.options[0].textContent : "";
      while (select.options.length) select.remove(0);
      select.add(new Option(blank, ""));
      list.forEach(function (name) { select.add(new Option(name, name)); });
      if (chosen && list.indexOf(chosen) < 0) select.add(new Option(chosen, chosen));
      select.value = chosen;
    });
  }

  form.querySelectorAll("fieldset.ivr-node").forEach(function (fieldset) {
    var kind = fieldset.querySelector("select.node-kind");
    kind.addEventListener("change", function () {
      fieldset.setAttribute("data-kind", kind.value);
    });
  });
  form.querySelectorAll("input.node-name").forEach(function (input) {
    input.addEventListener("change", refreshSelects);
  });
  form.classList.add("scripted");
})();
