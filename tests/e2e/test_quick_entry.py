"""A clerk at the keyboard, in Chromium: from the order list to a submitted 3-line order in at most 12
navigation actions, as quick as Odoo's sale order form (about 15).

A navigation action is every key press that is not a character typed into a field (Tab, Enter, the
arrows, a shortcut such as "n" on the order list, Ctrl+Enter) and every click. The browser counts them
itself, on every page the clerk passes through, so nothing the test does unseen is left out. The checks
speak beside their fields as the clerk types, and again when the form is sent.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Order, OrderStatus
from tests.e2e.browser import CHROMIUM, Console, expect, signed_in, tour_shot

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

MOST_ACTIONS = 12

# Counts, in the page, every keydown that does not type a character into a field, and every click.
COUNTER = """
(() => {
  const typing = (event) => event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey
    && event.target instanceof HTMLElement && event.target.matches("input, textarea, [contenteditable]");
  document.addEventListener("keydown", (event) => {
    if (!typing(event) && !["Control", "Shift", "Alt", "Meta"].includes(event.key)) {
      window.countAction(`key ${event.ctrlKey ? "Control+" : ""}${event.key}`);
    }
  }, true);
  document.addEventListener("click", (event) => {
    if (event.detail > 0) {  // a pointer's click; Enter on a button also fires one, with detail 0
      window.countAction("click");
    }
  }, true);
})();
"""


class Clerk:
    """The clerk's hands on the keyboard: characters typed into the focused field, and navigation keys,
    each of which the test counts too (the page's own count is the one that is asserted)."""

    def __init__(self, page) -> None:
        self.page = page
        self.pressed: list[str] = []

    def type(self, text: str) -> None:
        assert all(len(character) == 1 and character.isprintable() for character in text)
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.pressed.append(key)
        self.page.keyboard.press(key)

    def focused(self):
        """The field the keys go to, for ``expect``: a key's script may move the focus a moment later."""
        return self.page.locator(":focus")


def counted_page(browser, base: str):
    page = signed_in(browser, base, "acme-sales", viewport={"width": 1280, "height": 900})
    actions: list[str] = []
    page.context.expose_function("countAction", lambda action: actions.append(action))
    page.context.add_init_script(COUNTER)
    return page, actions


def wait_for_option(page, box_id: str, text: str) -> None:
    page.locator(f"[id='{box_id}-options']").get_by_role("option", name=re.compile(re.escape(text))).wait_for()


def test_a_clerk_submits_a_three_line_order_from_the_order_list_in_at_most_twelve_actions(
        portal, portal_app, browser, screenshots):
    base, _ids = portal
    page, actions = counted_page(browser, base)
    console = Console(page)
    page.goto(f"{base}/orders")
    clerk = Clerk(page)
    requested = date.today() + timedelta(days=60)

    clerk.press("n")  # the order list's key for a new order
    page.wait_for_url(re.compile(r".*/orders/new$"))
    expect(clerk.focused()).to_have_id("customer_id-text")  # the customer is where typing starts
    clerk.type("燕山")
    wait_for_option(page, "customer_id", "C002")
    clerk.press("Enter")  # the first match; on to the next field that needs input: the date
    expect(clerk.focused()).to_have_id("requested_date")
    clerk.type(requested.strftime("%m%d%Y"))  # Chromium's date field, month/day/year in en-US
    clerk.press("Enter")  # on to the first line's product
    for n, (typed, code, quantity) in enumerate([("P001", "P001", "2"), ("密封", "P002", "50"),
                                                  ("阀门", "P001", "1.5")]):
        product = page.locator("tr.line-row [role=combobox]").nth(n)
        expect(product).to_be_focused()
        clerk.type(typed)
        wait_for_option(page, (product.get_attribute("id") or "")[:-5], code)
        clerk.press("Enter")  # picks the product, on to its quantity
        expect(clerk.focused()).to_have_id(re.compile(r"-quantity$"))
        clerk.type(quantity)
        if n < 2:
            clerk.press("Enter")  # opens the next line at its product
    expect(page.locator("output[data-total=total]")).to_have_text("954.85")
    page.screenshot(path=str(screenshots / "quick-entry.png"), full_page=True)
    clerk.press("Control+Enter")  # submitted, checks and all, in the same request
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    page.screenshot(path=str(screenshots / "quick-entry-submitted.png"), full_page=True)

    assert actions == [f"key {key}" for key in clerk.pressed]  # nothing happened that the clerk did not do
    assert len(actions) <= MOST_ACTIONS, actions
    with portal_app.app_context():
        order = db.session.execute(select(Order)).scalar_one()
        assert order.status == OrderStatus.SUBMITTED and order.number
        assert order.customer.code == "C002" and order.requested_date == requested
        assert [(line.product.code, line.quantity) for line in order.lines] == [
            ("P001", Decimal("2.000")), ("P002", Decimal("50.000")), ("P001", Decimal("1.500"))]
    expect(page.locator(".status-bar [aria-current='step']")).to_have_text("In review")
    assert console.problems == []


def test_a_past_date_and_a_price_under_the_floor_are_shown_beside_their_fields_as_typed_and_when_sent(
        portal, portal_app, browser, screenshots):
    base, _ids = portal
    page, _actions = counted_page(browser, base)
    console = Console(page)
    page.goto(f"{base}/orders/new")
    clerk = Clerk(page)
    last_year = date.today() - timedelta(days=365)

    clerk.type("C001")
    wait_for_option(page, "customer_id", "C001")
    clerk.press("Enter")
    clerk.type(last_year.strftime("%m%d%Y"))
    clerk.press("Enter")
    clerk.type("P002")
    wait_for_option(page, "lines-0-product_id", "P002")
    clerk.press("Enter")
    clerk.type("10")
    page.get_by_label("Unit price of line 1", exact=True).fill("5.00")  # under the floor price, 6.00

    expect(page.locator("#requested_date-check1")).to_contain_text("is in the past")
    expect(page.locator("#requested_date")).to_have_attribute("aria-describedby",
                                                              re.compile(r"\brequested_date-check1\b"))
    expect(page.locator("#lines-0-unit_price-check1")).to_contain_text("under the floor price of product P002")
    page.screenshot(path=str(screenshots / "checks-as-typed.png"), full_page=True)

    with page.expect_navigation():  # sent: the answer comes back at the address the form has
        clerk.press("Control+Enter")
    assert page.url.endswith("/orders/new")  # refused: the form again, with the checks at their fields
    expect(page.locator("#requested_date-error1")).to_contain_text("is in the past")
    expect(page.locator("#lines-0-unit_price-error1")).to_contain_text("under the floor price")
    expect(page.locator("output[data-total=total]")).to_have_text("56.50")  # 10 × 5.00 + 13 % tax, as typed
    page.screenshot(path=str(screenshots / "checks-when-sent.png"), full_page=True)
    tour_shot(page, "order-checks")
    with portal_app.app_context():
        assert db.session.execute(select(Order)).first() is None
    assert console.problems == []
