// Fills the run part of today's check-in from the imported watch file (the JSON the run-file
// card passes in its data-run-fill attribute: htmx drops script elements it swaps in). The athlete can change every value before submitting; the
// import keeps the file's own figures. Loaded as a file: the CSP allows no inline script.
"use strict";
(function () {
  function formDate(form) {
    const chosen = form.querySelector("input[name=date]:checked") || form.querySelector("input[name=date][type=hidden]");
    return chosen ? chosen.value : null;
  }
  function setNumber(form, name, value) {
    const input = form.querySelector("input[name=" + name + "]");
    if (!input || value === null || value === undefined) { return; }
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dataset.fromWatch = "1";
    const details = input.closest("details");
    if (details) { details.open = true; }
  }
  function setChoice(form, name, value) {
    if (value === null || value === undefined) { return; }
    const option = form.querySelector("input[name=" + name + "][value='" + value + "']");
    if (option) { option.checked = true; option.dispatchEvent(new Event("change", { bubbles: true })); }
  }
  function fill() {
    const source = document.getElementById("run-fill");
    const form = document.querySelector("form[data-checkin-form]");
    if (!source || !form || source.dataset.applied) { return; }
    const data = JSON.parse(source.dataset.runFill);
    if (data.date && formDate(form) && formDate(form) !== data.date) { return; }
    setNumber(form, "run_minutes", data.run_minutes);
    setNumber(form, "run_distance_km", data.run_distance_km);
    setNumber(form, "walk_minutes", data.walk_minutes);
    setNumber(form, "cadence", data.cadence);
    setChoice(form, "session_rpe", data.session_rpe);
    source.dataset.applied = "1";
  }
  document.addEventListener("DOMContentLoaded", fill);
  document.addEventListener("htmx:afterSettle", fill);
})();
