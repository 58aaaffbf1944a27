// The check-in form: session fields only when relevant, the athlete's own "same as yesterday"
// tap for the optional recovery answers, and the first invalid answer brought into view.
// Without JavaScript every field stays visible and the form still works.
"use strict";
(function () {
  function showWhen(form) {
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

  function sameAsYesterday(form) {
    const data = document.getElementById("same-as-yesterday");
    const button = form.querySelector("[data-same-as-yesterday]");
    if (!data || !button) { return; }
    const answers = JSON.parse(data.textContent);
    button.hidden = false;
    button.addEventListener("click", () => {
      Object.entries(answers).forEach(([name, value]) => {
        const radio = form.querySelector(`input[type=radio][name="${name}"][value="${value}"]`);
        if (radio) { radio.checked = true; return; }
        const input = form.querySelector(`input[name="${name}"]:not([type=radio])`);
        if (input) { input.value = value; }
      });
      button.textContent = button.dataset.doneText || button.textContent;
      button.disabled = true;
      const folded = button.closest("details");
      if (folded) { folded.open = true; }  // show what the tap filled in
    });
  }

  function focusFirstError(form) {
    const invalid = form.querySelector("[data-invalid], .is-invalid");
    if (!invalid) { return; }
    const target = invalid.matches("input, select, textarea") ? invalid : invalid.querySelector("input, select, textarea");
    invalid.scrollIntoView({ block: "center" });
    if (target) { target.focus({ preventScroll: true }); }
  }

  function init(form) {
    showWhen(form);
    sameAsYesterday(form);
    focusFirstError(form);
  }
  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("form[data-checkin-form]").forEach(init));
})();
