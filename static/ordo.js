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
// module off) asks in a dialog before it is sent. Without scripts its required "I confirm"
// box (name="confirm") is the confirmation; with them the box is hidden and the dialog ticks it.
function confirmBox(form) {
  const box = form.querySelector("input[type=checkbox][name=confirm]");
  return box instanceof HTMLInputElement ? box : null;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    const box = confirmBox(form);
    if (box) {
      box.required = false;
      (box.closest("label") || box).hidden = true;
    }
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
    return;
  }
  if (!window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
    return;
  }
  const box = confirmBox(form);
  if (box) {
    box.checked = true;
  }
});
