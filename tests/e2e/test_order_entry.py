"""Entering an order as a clerk does, in Chromium: the customer and eight products picked with the
type-ahead and the keyboard, the line table growing row by row, the total shown before saving the one
the server stores; submitted, the status bar moves on. No page logs a JavaScript error.

With ``ORDO_SCREENSHOTS=docs/images`` the order entry and the order page are saved there too,
as the README's tour shows them (docs/images/order-entry.png, docs/images/order-page.png).
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Order
from tests.e2e.browser import CHROMIUM, Console, expect, pick, signed_in, tour_shot

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

# (what the clerk types to find the product, the product, quantity, unit price or "" for the list price)
LINES = [
    ("P001", "P001", "2", ""),          # 240.00 + 31.20 tax
    ("密封", "P002", "50", "7.80"),      # 390.00 + 50.70
    ("阀门", "P001", "1.5", "100.01"),   # 150.015 → 150.02 + 19.50: each line is rounded first
    ("p002", "P002", "3", ""),          # 25.50 + 3.32
    ("DN50 PN16", "P001", "10", "110"),  # 1100.00 + 143.00 (the specification matches both: the first is picked)
    ("耐高温", "P002", "7", "8.33"),     # 58.31 + 7.58
    ("P001", "P001", "0.333", ""),      # 39.96 + 5.19
    ("P002", "P002", "100", ""),        # 850.00 + 110.50
]
SUBTOTAL, TAX, TOTAL = "2,853.79", "370.99", "3,224.78"  # as the page shows them (core.formatting.money)


def test_a_clerk_enters_eight_lines_with_the_type_ahead_and_sees_the_total_before_saving(
        portal, portal_app, browser, screenshots):
    base, _ids = portal
    page = signed_in(browser, base, "acme-sales", viewport={"width": 1280, "height": 900})
    console = Console(page)
    page.goto(f"{base}/orders/new")

    pick(page, "Customer", "燕山", "C002")
    page.get_by_label("Requested delivery date").fill("2030-01-31")
    page.get_by_label("Delivery method", exact=True).select_option("freight")
    for n, (typed, code, quantity, price) in enumerate(LINES, start=1):
        if n > 1:
            page.get_by_role("button", name="Add a line").click()
        pick(page, f"Product of line {n}", typed, code)
        page.get_by_label(f"Quantity of line {n}", exact=True).fill(quantity)
        if price:
            page.get_by_label(f"Unit price of line {n}", exact=True).fill(price)

    expect(page.locator("output[data-total=total]")).to_have_text(TOTAL)
    expect(page.locator("output[data-total=subtotal]")).to_have_text(SUBTOTAL)
    expect(page.locator("output[data-total=tax_total]")).to_have_text(TAX)
    expect(page.locator("output[data-amount='lines-2']")).to_have_text("150.02")  # before tax, as the subtotal
    expect(page.locator("tr.line-row")).to_have_count(8)
    page.screenshot(path=str(screenshots / "order-entry.png"), full_page=True)
    tour_shot(page, "order-entry")

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    with portal_app.app_context():
        order = db.session.execute(select(Order)).scalar_one()
        assert (order.subtotal, order.tax_total, order.total) == tuple(
            Decimal(shown.replace(",", "")) for shown in (SUBTOTAL, TAX, TOTAL))
        assert [line.product.code for line in order.lines] == [code for _typed, code, _q, _p in LINES]
        assert order.customer.code == "C002"
    expect(page.locator(".status-bar [aria-current='step']")).to_have_text("Draft")
    page.screenshot(path=str(screenshots / "draft.png"), full_page=True)

    page.locator("a[href$='/recheck']").first.click()  # the re-check summary, then the confirmation
    page.wait_for_url(re.compile(r".*/orders/\d+/recheck$"))
    page.screenshot(path=str(screenshots / "recheck.png"), full_page=True)
    page.locator("form[action$='/submit'] button[type='submit']").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    expect(page.locator(".status-bar [aria-current='step']")).to_have_text("In review")
    expect(page.locator(".status-bar .step-done")).to_have_count(1)
    page.screenshot(path=str(screenshots / "order-page.png"), full_page=True)
    tour_shot(page, "order-page")
    assert console.problems == []


def test_the_type_ahead_is_an_aria_combobox_that_escape_closes(portal, browser, screenshots):
    base, _ids = portal
    page = signed_in(browser, base, "acme-sales")
    console = Console(page)
    page.goto(f"{base}/orders/new")
    box = page.get_by_role("combobox", name="Customer", exact=True)

    box.fill("021-5555")  # both customers have this phone
    expect(page.get_by_role("option", name=re.compile("C002"))).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    box.press("ArrowDown")
    selected = page.locator("[role=option][aria-selected=true]")
    expect(selected).to_contain_text("C002")
    assert box.get_attribute("aria-activedescendant") == selected.get_attribute("id")
    page.screenshot(path=str(screenshots / "type-ahead-open.png"), full_page=True)
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#customer_id")).to_have_value("")
    assert console.problems == []


def test_without_javascript_the_typed_codes_are_resolved_and_add_a_line_adds_a_row(portal, browser, screenshots):
    base, _ids = portal
    page = signed_in(browser, base, "acme-sales", java_script_enabled=False)
    page.goto(f"{base}/orders/new")
    page.get_by_label("Customer", exact=True).fill("c002")
    page.get_by_label("Requested delivery date").fill("2030-01-31")
    page.get_by_label("Product of line 1").fill("P001")
    page.get_by_label("Quantity of line 1").fill("2")

    page.get_by_role("button", name="Add a line").click()
    page.get_by_label("Product of line 2").fill("耐高温")
    page.get_by_label("Quantity of line 2").fill("4")
    page.get_by_role("button", name="Add a line").click()  # without scripts, the server sends the form again
    expect(page.locator("tr.line-row")).to_have_count(3)
    expect(page.locator("output[data-total=total]")).to_have_text("309.62")  # 271.20 + 38.42, quoted by the server
    page.screenshot(path=str(screenshots / "order-entry-without-javascript.png"), full_page=True)

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    expect(page.locator("main")).to_contain_text("309.62")
