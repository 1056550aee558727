"""In a real browser (Debian's Chromium, driven by Playwright): an order goes from entry to
paid through the portal's pages and forms, one department after another, with CSRF on."""
from __future__ import annotations

import re

import pytest

from tests.e2e.browser import CHROMIUM, expect, pick, signed_in

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def status_of(page):
    """The order's status in the page's heading, for ``expect``: a form sent leaves the old page in view a
    moment, so it is read as the page comes to show it."""
    return page.locator("h1 .status")


def test_an_order_goes_from_entry_to_paid_through_the_portal(portal, browser, tmp_path):
    base, _ids = portal

    sales = signed_in(browser, base, "acme-sales")
    sales.goto(f"{base}/orders/new")
    pick(sales, "Customer", "C001", "C001")
    sales.get_by_label("Requested delivery date").fill("2030-01-31")
    sales.get_by_label("Delivery method", exact=True).select_option("freight")
    pick(sales, "Product of line 1", "P001", "P001")
    sales.get_by_label("Quantity of line 1").fill("10")
    sales.get_by_role("button", name="Save draft").click()
    sales.wait_for_url(re.compile(r".*/orders/\d+$"))
    order_url = sales.url
    expect(status_of(sales)).to_have_text("Draft")
    sales.get_by_role("link", name="Submit for review").click()  # the re-check summary
    sales.get_by_role("button", name="Confirm and submit for review").click()
    expect(status_of(sales)).to_have_text("In review")
    number = re.search(r"SO\d{8}-\d{4}", sales.locator("h1").inner_text()).group(0)

    # The sales clerk entered the order: someone else approves its sales step.
    for username in ("acme-administrator", "acme-finance", "acme-production"):
        reviewer = signed_in(browser, base, username)
        expect(reviewer.locator("main"), f"{username} has no task for {number}").to_contain_text(number)
        reviewer.goto(order_url)
        reviewer.get_by_label("Approve").check()
        # The decision is stored before the next reviewer reads their inbox: the page comes back to the order.
        with reviewer.expect_navigation():
            reviewer.get_by_role("button", name="Record decision").click()
    expect(status_of(reviewer)).to_have_text("Approved")

    logistics = signed_in(browser, base, "acme-logistics")
    logistics.goto(order_url)
    logistics.locator(".order-actions").get_by_role("link", name="Prepare shipment").click()
    logistics.get_by_label("Carrier").fill("顺丰速运")  # freight, the order's mode: its own fields
    logistics.get_by_label("Waybill number").fill("SF-100")
    logistics.get_by_role("button", name="Prepare shipment").click()
    logistics.get_by_label("Check result of line 1").select_option("pass")
    logistics.get_by_role("button", name="Record the check").click()
    expect(logistics.locator("#dispatch")).to_contain_text("Every line passed its check.")
    with logistics.expect_navigation():  # sent and answered before the order is opened again
        logistics.get_by_role("button", name="Dispatch").click()
    logistics.goto(order_url)
    expect(status_of(logistics)).to_have_text("Shipped")

    service = signed_in(browser, base, "acme-customer_service")
    service.goto(order_url)
    service.get_by_label("Signed for by").fill("王海")
    service.get_by_role("button", name="Record sign-off").click()
    expect(status_of(service)).to_have_text("Signed for")

    finance = signed_in(browser, base, "acme-finance")
    finance.goto(order_url)
    finance.get_by_role("button", name="Record payment").click()
    expect(status_of(finance)).to_have_text("Completed")
    finance.screenshot(path=str(tmp_path / "completed.png"), full_page=True)


def test_the_pages_run_under_the_content_security_policy(portal, browser):
    """The portal's own script works and the browser reports no blocked inline code."""
    base, _ids = portal
    page = signed_in(browser, base, "acme-logistics")
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    for path in ("/inbox", "/orders", "/orders/new", "/account", "/shipments"):
        page.goto(f"{base}{path}")
    page.get_by_label("Status").select_option("dispatched")  # the list view's form, sent by htmx
    page.wait_for_url(re.compile(r".*/shipments\?.*status=dispatched.*"))
    assert refused == []
