// RTR's own behaviour. Loaded as a file (CSP forbids inline scripts).
"use strict";
document.addEventListener("htmx:responseError", (event) => {
  // A failed partial update: tell the person rather than leaving a stale page.
  const target = event.detail.target;
  if (target) {
    target.setAttribute("aria-busy", "false");
  }
});
