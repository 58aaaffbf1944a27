// The check-in form: live numbers beside the sliders, and session fields only when relevant.
// Without JavaScript every field stays visible and the form still works.
"use strict";
(function () {
  function init(form) {
    form.querySelectorAll("input[type=range]").forEach((input) => {
      const output = form.querySelector(`output[for="${input.id}"]`);
      const show = () => { if (output) { output.textContent = input.value; } };
      input.addEventListener("input", show);
      show();
    });
    const sections = form.querySelectorAll("[data-show-when]");
    function update() {
      sections.forEach((section) => {
        const [name, values] = section.dataset.showWhen.split(":");
        const checked = form.querySelector(`input[name="${name}"]:checked`);
        const visible = !checked || values.split(",").includes(checked.value);
        section.hidden = !visible;
      });
    }
    form.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("form[data-checkin-form]").forEach(init));
})();
