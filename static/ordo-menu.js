// The top bar's menus and the list filters' fold (base.html, macros.html list_view). Without this
// script everything still works: each drop-down is a <details>, the navigation wraps on a phone,
// and the filters stay open. With it, a phone shows a "Menu" button instead of the navigation,
// one drop-down is open at a time, Escape or a click elsewhere closes it, and a phone starts
// with the filters folded.
"use strict";

const NARROW_MENU = window.matchMedia("(max-width: 900px)");
const NARROW_FILTERS = window.matchMedia("(max-width: 640px)");

function menuGroups() {
  return [...document.querySelectorAll(".topbar details.menu-group")];
}

function closeGroups(except = null) {
  for (const group of menuGroups()) {
    if (group !== except) {
      group.open = false;
    }
  }
}

function setMenuOpen(toggle, open) {
  const panel = document.getElementById(toggle.getAttribute("aria-controls"));
  toggle.setAttribute("aria-expanded", String(open));
  panel.classList.toggle("open", open);
  if (!open) {
    closeGroups();
  }
}

function foldFilters(narrow) {
  for (const fold of document.querySelectorAll("details.list-filters-fold")) {
    fold.open = !narrow;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".topbar .menu-toggle");
  if (toggle) {
    toggle.hidden = false;
    toggle.closest(".topbar").classList.add("folding");
    toggle.addEventListener("click", () => setMenuOpen(toggle, toggle.getAttribute("aria-expanded") !== "true"));
  }
  for (const group of menuGroups()) {
    group.addEventListener("toggle", () => {
      if (group.open) {
        closeGroups(group);
      }
    });
    // A keyboard user tabbing past a drop-down's last link leaves it closed behind them.
    group.addEventListener("focusout", (event) => {
      if (!NARROW_MENU.matches && !(event.relatedTarget instanceof Node && group.contains(event.relatedTarget))) {
        group.open = false;
      }
    });
  }
  foldFilters(NARROW_FILTERS.matches);
  NARROW_FILTERS.addEventListener("change", (event) => foldFilters(event.matches));
});

document.addEventListener("click", (event) => {
  if (!(event.target instanceof Element) || !event.target.closest(".topbar details.menu-group")) {
    closeGroups();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) {
    return;
  }
  const group = event.target.closest(".topbar details.menu-group[open]");
  const toggle = document.querySelector(".topbar .menu-toggle");
  if (group) {
    group.open = false;
    group.querySelector("summary").focus();
  } else if (toggle && toggle.getAttribute("aria-expanded") === "true" && event.target.closest(".topbar")) {
    setMenuOpen(toggle, false);
    toggle.focus();
  }
});
