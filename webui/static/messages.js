/* The message form: choosing a template puts its text in the message and its language
   in the placeholders' (a text typed already is replaced only when the user agrees). */
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    const choice = event.target.closest("[data-template-choice]");
    if (!choice) return;
    const form = choice.closest("form");
    const option = choice.selectedOptions[0];
    const text = form.querySelector("[data-sms-text]");
    if (!option || !option.dataset.text || !text) return;
    if (text.value.trim() && text.value !== option.dataset.text &&
        !window.confirm(form.dataset.replaceText || "Replace the message with the template?")) {
      return;
    }
    text.value = option.dataset.text;
    const language = form.querySelector("select[name=language]");
    if (language && option.dataset.language) language.value = option.dataset.language;
  });
})();
