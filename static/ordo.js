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

// A form marked data-confirm (a destructive action: cancelling an order, switching a
// module off) asks before it is sent; without scripts it is sent as it is.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")
      && !window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
