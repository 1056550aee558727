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
const lookupsPending = new WeakSet();  // a request for matches is on its way

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
  lookupsPending.add(input);
  htmx.ajax("GET", url, { source: input, target: list, swap: "innerHTML" }).then(() => {
    if (input.value !== asked) {  // typed on meanwhile: an older answer must not stay
      fetchOptions(input);
      return;
    }
    lookupsPending.delete(input);
    const first = options(input)[0];
    if (input.dataset.pickFirst && first) {  // Enter was pressed before the matches came
      delete input.dataset.pickFirst;
      pick(input, first);
      return;
    }
    delete input.dataset.pickFirst;
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
  moveOn(input);
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
  lookupTimers.set(input, setTimeout(() => {
    lookupTimers.delete(input);
    fetchOptions(input);
  }, 150));
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
  } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && !list.hidden && all.length) {
    event.preventDefault();  // picks the highlighted match, else the first; it does not submit the form
    pick(input, all[current >= 0 ? current : 0]);
  } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && input.value
             && !lookupParts(input).hidden.value && (lookupsPending.has(input) || lookupTimers.has(input))) {
    event.preventDefault();  // the matches are on their way: the first is picked when they come
    input.dataset.pickFirst = "1";
  } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && entryFlow(input)
             && lookupParts(input).hidden.value) {
    event.preventDefault();  // picked already: on to the next field
    moveOn(input);
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
    for (const attribute of ["id", "name", "for", "aria-controls", "aria-describedby", "data-row", "data-amount",
                             "data-available"]) {
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
  if (list) {
    list.replaceChildren();
    list.hidden = true;
  }
  last.after(row);
  renumber(table);
  (row.querySelector("[role=combobox]") || row.querySelector("input:not([type=hidden]), select"))?.focus();
}

// The checks the order form's own quote answers (plugins/intake), beside their fields all over the form:
// a blocking one marks its input invalid, a warning only speaks.
function clearChecks(form) {
  for (const note of form.querySelectorAll(".check")) {
    const field = form.querySelector(`[aria-describedby~="${note.id}"]`);
    if (field) {
      const rest = field.getAttribute("aria-describedby").split(" ").filter((id) => id !== note.id);
      if (rest.length) {
        field.setAttribute("aria-describedby", rest.join(" "));
      } else {
        field.removeAttribute("aria-describedby");
      }
      if (note.classList.contains("error") && !field.closest("td, .field")?.querySelector(".error:not(.check)")) {
        field.removeAttribute("aria-invalid");
      }
    }
    note.remove();
  }
}

function showChecks(form, found) {
  clearChecks(form);
  for (const [id, notes] of Object.entries(found || {})) {
    const target = form.querySelector(`[id="${id}-text"]`) || form.querySelector(`[id="${id}"]`);
    const field = target && target.matches("input:not([type=hidden]), select, textarea") ? target : null;
    const holder = field ? field.closest("td, .field") : form.querySelector(".line-table-errors");
    if (!holder) {
      continue;
    }
    notes.forEach((note, index) => {
      const span = document.createElement(field ? "span" : "p");
      span.className = note.severity === "blocking" ? "check error" : "check warning";
      span.id = `${id}-check${index + 1}`;
      span.textContent = note.message;
      holder.append(span);
      if (field) {
        field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") || ""} ${span.id}`.trim());
        if (note.severity === "blocking") {
          field.setAttribute("aria-invalid", "true");
        }
      }
    });
  }
}

function showQuote(table, answer) {
  for (const output of table.querySelectorAll("output[data-amount]")) {
    const amounts = answer.lines[output.dataset.amount];
    output.textContent = amounts ? amounts.net_amount : "";
  }
  for (const output of table.querySelectorAll("output[data-available]")) {
    output.textContent = (answer.available || {})[output.dataset.available] ?? "";
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
    const url = form.dataset.quote || table.dataset.quote;
    if (!url) {  // a line table without figures to quote (an execution template's tasks)
      return;
    }
    fetch(url, {  // an order form's own quote adds its checks
      method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" },
    }).then((response) => (response.headers.get("Content-Type") || "").includes("json") ? response.json() : null)
      .then((answer) => {
        if (answer) {
          showQuote(table, answer);
          if ("checks" in answer) {
            showChecks(form, answer.checks);
          }
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
    } else if (kind === "change" && entryFlow(event.target)) {
      // a requested date, a received time, a source reference: the order form's checks run again
      for (const other of event.target.form?.querySelectorAll(".line-table") || []) {
        requote(other);
      }
    }
  });
}

// --- Entry at the keyboard (an order form marked data-entry-flow) ------------------------------
// Picking a customer moves on to the next field that needs input (a field marked data-entry-required
// still empty, else the first line without a product); picking a product moves on to its quantity;
// Enter in a quantity opens the next line; Ctrl+Enter sends the form with its data-submit-shortcut
// button. A key of its own (data-shortcut, "n" for a new order on the order list) opens its link.

function entryFlow(element) {
  return element instanceof Element && element.closest("form[data-entry-flow]") !== null;
}

function filledIn(element) {
  return isCombobox(element) ? Boolean(lookupParts(element).hidden.value) : Boolean(element.value);
}

function nextNeeded(from) {
  const form = from.closest("form");
  const row = from.closest("tr.line-row");
  if (row && isCombobox(from)) {
    return row.querySelector("input[name$='-quantity']");
  }
  const needed = [...form.querySelectorAll("[data-entry-required]")].find((element) => element !== from
    && !filledIn(element));
  return needed || [...form.querySelectorAll(".line-table tr.line-row [role=combobox]")]
    .find((element) => element !== from && !element.value) || null;
}

function moveOn(from) {
  if (!entryFlow(from)) {
    return false;
  }
  const next = nextNeeded(from);
  next?.focus();
  return Boolean(next);
}

function nextLine(quantity) {
  const row = quantity.closest("tr.line-row");
  const following = row.nextElementSibling?.querySelector("[role=combobox]");
  if (following) {
    following.focus();
  } else {
    addRow(row.closest(".line-table"));  // focuses the new row's product
  }
}

function typingIn(element) {
  return element instanceof HTMLElement && (element.isContentEditable || element.matches("input, select, textarea"));
}

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && entryFlow(target)) {
    const button = target.closest("form").querySelector("[data-submit-shortcut]");
    if (button) {
      event.preventDefault();
      target.closest("form").requestSubmit(button);
    }
  } else if (event.key === "Enter" && !event.shiftKey && !event.altKey && entryFlow(target) && !isCombobox(target)
             && target instanceof HTMLInputElement) {
    if (target.matches(".line-table input[name$='-quantity']")) {
      event.preventDefault();
      nextLine(target);
    } else if (target.hasAttribute("data-entry-required") && moveOn(target)) {
      event.preventDefault();
    }
  } else if (!event.ctrlKey && !event.metaKey && !event.altKey && !typingIn(target) && event.key.length === 1) {
    const link = [...document.querySelectorAll("[data-shortcut]")]
      .find((element) => element.dataset.shortcut === event.key.toLowerCase());
    if (link) {
      event.preventDefault();
      link.click();
    }
  }
});

// Typing over a field's error clears it: the live quote checks the field again.
document.addEventListener("input", (event) => {
  const holder = entryFlow(event.target) ? event.target.closest(".field.has-error") : null;
  if (holder && !holder.closest(".line-table")) {
    clearErrors(holder);
  }
});

// --- Fields shown for some values of another (data-shown-for) ---------------------------------
// An element marked data-shown-for="<field name>" data-values="<value> <value> ..." is shown only while
// that field of its form holds one of the values (stock's lot field: only for a product tracked by lot
// or serial). Without scripts it is always shown, and the server says when it is not wanted.
function showDependents(form) {
  for (const dependent of form.querySelectorAll("[data-shown-for]")) {
    const field = form.elements.namedItem(dependent.dataset.shownFor);
    const value = field && "value" in field ? field.value : "";
    dependent.hidden = !(dependent.dataset.values || "").split(" ").includes(value);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) {
    if (form.querySelector("[data-shown-for]")) {
      showDependents(form);
    }
  }
});

document.addEventListener("change", (event) => {
  const form = event.target instanceof HTMLElement ? event.target.closest("form") : null;
  if (form && form.querySelector("[data-shown-for]")) {
    showDependents(form);
  }
});
