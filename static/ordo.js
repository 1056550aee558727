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

// --- Type-ahead lookups (macros.html lookup) -------------------------------------------------
// An ARIA combobox over a listbox: typing asks /lookup/<kind>s for matches (htmx), the arrows move
// through them, Enter picks one, Escape closes the list. A pick fills the hidden id input; typing
// again clears it, so the server never takes an old pick for new text.

const lookupTimers = new WeakMap();

function lookupParts(input) {
  const box = input.closest(".lookup");
  return { box, hidden: box.querySelector("input[type=hidden]"), list: box.querySelector("[role=listbox]") };
}

function isCombobox(element) {
  return element instanceof HTMLInputElement && element.getAttribute("role") === "combobox";
}

function showOptions(input, open) {
  const { list } = lookupParts(input);
  list.hidden = !open;
  input.setAttribute("aria-expanded", String(open));
  if (!open) {
    input.removeAttribute("aria-activedescendant");
  }
}

function fetchOptions(input) {
  const { box, list } = lookupParts(input);
  const asked = input.value;
  const url = `${box.dataset.lookup}?${new URLSearchParams({ q: asked, listbox: list.id })}`;
  htmx.ajax("GET", url, { source: input, target: list, swap: "innerHTML" }).then(() => {
    if (input.value !== asked) {  // typed on meanwhile: an older answer must not stay
      fetchOptions(input);
      return;
    }
    showOptions(input, document.activeElement === input && list.children.length > 0);
  });
}

function options(input) {
  return [...lookupParts(input).list.querySelectorAll("[role=option]:not([aria-disabled=true])")];
}

function highlight(input, option) {
  for (const other of options(input)) {
    other.setAttribute("aria-selected", String(other === option));
  }
  input.setAttribute("aria-activedescendant", option.id);
  option.scrollIntoView({ block: "nearest" });
}

function pick(input, option) {
  const { hidden } = lookupParts(input);
  hidden.value = option.dataset.id;
  input.value = option.dataset.label;
  showOptions(input, false);
  hidden.dispatchEvent(new Event("change", { bubbles: true }));
  hidden.dispatchEvent(new Event("input", { bubbles: true }));  // a list's filters refresh on input
}

document.addEventListener("input", (event) => {
  const input = event.target;
  if (!isCombobox(input)) {
    return;
  }
  const { hidden } = lookupParts(input);
  if (hidden.value) {
    hidden.value = "";
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }
  clearTimeout(lookupTimers.get(input));
  lookupTimers.set(input, setTimeout(() => fetchOptions(input), 150));
});

document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (!isCombobox(input)) {
    return;
  }
  const { list } = lookupParts(input);
  const all = options(input);
  const current = all.findIndex((option) => option.id === input.getAttribute("aria-activedescendant"));
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (list.hidden) {
      fetchOptions(input);
      return;
    }
    if (all.length) {
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight(input, all[(current + step + all.length) % all.length] ?? all[0]);
    }
  } else if (event.key === "Enter" && !list.hidden && current >= 0) {
    event.preventDefault();  // picks; it does not submit the form
    pick(input, all[current]);
  } else if (event.key === "Escape" && !list.hidden) {
    event.preventDefault();
    showOptions(input, false);
  }
});

// A pointer picks on pointerdown, before the input loses focus and the list closes.
document.addEventListener("pointerdown", (event) => {
  const option = event.target instanceof Element ? event.target.closest(".lookup [role=option]") : null;
  if (option && option.getAttribute("aria-disabled") !== "true") {
    event.preventDefault();
    pick(option.closest(".lookup").querySelector("[role=combobox]"), option);
  }
});

document.addEventListener("focusout", (event) => {
  if (isCombobox(event.target)) {
    showOptions(event.target, false);
  }
});

// --- The editable line table (macros.html line_table) ----------------------------------------
// Rows are added and removed here without a round trip; after every change the form's rows go to
// /orders/quote, which computes the amounts, tax and total with the server's own Decimal code and
// answers each row's errors by input id.

const quoteTimers = new WeakMap();
const ROW_NAME = /lines-\d+(?=-|$)/g;

function lineRows(table) {
  return [...table.querySelectorAll("tr.line-row")];
}

// Line numbers, and the numbers in the inputs' names for screen readers ("Quantity of line 3").
function renumber(table) {
  lineRows(table).forEach((row, index) => {
    const n = String(index + 1);
    row.querySelector(".line-no").textContent = n;
    for (const element of row.querySelectorAll("[aria-label]")) {
      element.setAttribute("aria-label", element.getAttribute("aria-label").replace(/\d+/, n));
    }
  });
}

function clearErrors(scope) {
  for (const error of scope.querySelectorAll(".error")) {
    error.remove();
  }
  for (const field of scope.querySelectorAll("[aria-invalid]")) {
    field.removeAttribute("aria-invalid");
    const kept = (field.getAttribute("aria-describedby") || "").split(" ").filter((id) => id.endsWith("-hint"));
    if (kept.length) {
      field.setAttribute("aria-describedby", kept.join(" "));
    } else {
      field.removeAttribute("aria-describedby");
    }
  }
  for (const box of scope.querySelectorAll(".has-error")) {
    box.classList.remove("has-error");
  }
}

function addRow(table) {
  const rows = lineRows(table);
  const last = rows[rows.length - 1];
  const next = Math.max(...rows.map((row) => Number(row.dataset.row.split("-")[1]))) + 1;
  const row = last.cloneNode(true);
  const rename = (value) => value.replace(ROW_NAME, `lines-${next}`);
  for (const element of [row, ...row.querySelectorAll("*")]) {
    for (const attribute of ["id", "name", "for", "aria-controls", "aria-describedby", "data-row", "data-amount"]) {
      if (element.hasAttribute(attribute)) {
        element.setAttribute(attribute, rename(element.getAttribute(attribute)));
      }
    }
    if (element instanceof HTMLButtonElement && element.name === "remove_line") {
      element.value = rename(element.value);
    }
  }
  clearErrors(row);
  for (const input of row.querySelectorAll("input")) {
    input.value = "";
  }
  for (const output of row.querySelectorAll("output")) {
    output.textContent = "";
  }
  const list = row.querySelector("[role=listbox]");
  list.replaceChildren();
  list.hidden = true;
  last.after(row);
  renumber(table);
  row.querySelector("[role=combobox]").focus();
}

function showQuote(table, answer) {
  for (const output of table.querySelectorAll("output[data-amount]")) {
    const amounts = answer.lines[output.dataset.amount];
    output.textContent = amounts ? amounts.net_amount : "";
  }
  for (const output of table.querySelectorAll("output[data-total]")) {
    output.textContent = answer[output.dataset.total] ?? "";
  }
  clearErrors(table);
  for (const [id, messages] of Object.entries(answer.errors)) {
    const target = table.querySelector(`[id="${id}-text"]`) || table.querySelector(`[id="${id}"]`);
    const field = target && target.matches("input:not([type=hidden]), select, textarea") ? target : null;
    const holder = field ? field.closest("td, .field") : table.querySelector(".line-table-errors");
    if (!holder) {
      continue;
    }
    messages.forEach((message, index) => {
      const span = document.createElement(field ? "span" : "p");
      span.className = "error";
      span.id = `${id}-error${index + 1}`;
      span.textContent = message;
      holder.append(span);
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") || ""} ${span.id}`.trim());
      }
    });
    field?.closest(".field")?.classList.add("has-error");
  }
}

function requote(table) {
  clearTimeout(quoteTimers.get(table));
  quoteTimers.set(table, setTimeout(() => {
    const form = table.closest("form");
    fetch(table.dataset.quote, {
      method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" },
    }).then((response) => (response.headers.get("Content-Type") || "").includes("json") ? response.json() : null)
      .then((answer) => {
        if (answer) {
          showQuote(table, answer);
        }
      });
  }, 200));
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest(".line-table button") : null;
  if (!button) {
    return;
  }
  const table = button.closest(".line-table");
  if (button.classList.contains("add-line")) {
    event.preventDefault();
    addRow(table);
  } else if (button.classList.contains("remove-line")) {
    event.preventDefault();
    const row = button.closest("tr.line-row");
    if (lineRows(table).length > 1) {
      const before = row.previousElementSibling || row.nextElementSibling;
      row.remove();
      before?.querySelector("[role=combobox]")?.focus();
    } else {
      for (const input of row.querySelectorAll("input")) {
        input.value = "";
      }
    }
    renumber(table);
    requote(table);
  }
});

for (const kind of ["input", "change"]) {
  document.addEventListener(kind, (event) => {
    const table = event.target instanceof Element ? event.target.closest(".line-table") : null;
    if (table && !isCombobox(event.target)) {  // typing a product's name quotes once it is picked
      requote(table);
    } else if (event.target instanceof HTMLInputElement && event.target.name === "customer_id") {
      // another customer, other agreed prices: the lines without a typed price are quoted again
      for (const other of event.target.form?.querySelectorAll(".line-table") || []) {
        requote(other);
      }
    }
  });
}
