// The portal's own script, served from static/ so that the Content-Security-Policy
// needs no 'unsafe-inline' (core/security.py). Pages work without it; it only saves clicks.
"use strict";

// A filter marked data-autosubmit applies as soon as it changes; the form keeps a
// <noscript> button for browsers without scripts.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});
