"""On a 390 px phone (Chromium): the order form, the order page and the lists fit the screen,
tables scroll inside their own box, and no page logs a JavaScript error or a CSP violation."""
from __future__ import annotations

import re

import pytest

from tests.e2e.browser import CHROMIUM, signed_in

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


class Console:
    """Every JavaScript error and console error (CSP violations are logged as errors) of a page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda message: self.problems.append(f"console: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def check(page, console: Console, name: str, folder) -> None:
    """The page as it is now: no wider than the phone, nothing logged; a screenshot of it."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert page_width(page) <= 390, f"{name} is {page_width(page)} px wide"
    assert console.problems == [], name


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_order_form_and_the_order_page_fit_a_390_px_phone(portal, browser, tmp_path, language):
    base, ids = portal
    page = signed_in(browser, base, "acme-sales", **PHONE)
    console = Console(page)
    page.goto(f"{base}/account")  # Chinese labels are narrower but wrap differently: both are checked
    page.locator("#lang-locale").select_option(language)
    page.locator("#lang-locale").evaluate("field => field.form.requestSubmit()")
    page.wait_for_load_state()
    check(page, console, f"account-{language}", tmp_path)

    page.goto(f"{base}/orders/new")
    check(page, console, f"order-form-{language}", tmp_path)
    page.locator("#customer_id").select_option(str(ids["customer"]))
    page.locator("#requested_date").fill("2030-01-31")
    page.locator("#delivery_method").select_option("freight")
    page.locator("select[name='lines-0-product_id']").select_option(str(ids["product"]))
    page.locator("input[name='lines-0-quantity']").fill("10")
    page.locator("form[method='post'] button[type='submit']").last.click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    check(page, console, f"draft-{language}", tmp_path)

    page.locator(".order-actions form[action$='/submit'] button[type='submit']").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    # The status bar has moved on to review, and sales' own review step asks in a radio group with a legend.
    in_review, decision = {"en": ("In review", "Decision"), "zh_CN": ("审核中", "审核结论")}[language]
    assert page.locator(".status-bar [aria-current='step']").inner_text() == in_review
    assert page.locator("form.review-decision fieldset > legend").inner_text() == decision
    assert page.locator(".status-bar .step-done").count() == 1
    check(page, console, f"order-in-review-{language}", tmp_path)

    page.locator("details.more-actions > summary").click()
    check(page, console, f"order-more-actions-{language}", tmp_path)

    for path in ("/orders", "/inbox"):
        page.goto(f"{base}{path}")
        check(page, console, f"list{path.replace('/', '-')}-{language}", tmp_path)


def test_cancelling_asks_for_confirmation_first(portal, browser, tmp_path):
    base, ids = portal
    page = signed_in(browser, base, "acme-sales", **PHONE)
    console = Console(page)
    page.goto(f"{base}/orders/new")
    page.locator("#customer_id").select_option(str(ids["customer"]))
    page.locator("#requested_date").fill("2030-01-31")
    page.locator("select[name='lines-0-product_id']").select_option(str(ids["product"]))
    page.locator("input[name='lines-0-quantity']").fill("1")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    order_page = page.url

    page.get_by_text("More actions").click()
    page.get_by_role("link", name="Cancel the order").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/cancel$"))
    cancel_page = page.url
    page.get_by_label("Reason for cancelling").fill("客户撤单")
    assert page.locator("input[name='confirm']").is_hidden()  # with scripts, a dialog asks instead of the box
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Cancel the order").click()
    assert asked and asked[0].startswith("Cancel order #")
    assert page.url == cancel_page
    page.goto(order_page)
    assert page.locator("h1 .status").inner_text() == "Draft"

    page.get_by_text("More actions").click()
    page.get_by_role("link", name="Cancel the order").click()
    page.get_by_label("Reason for cancelling").fill("客户撤单")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the order").click()
    page.wait_for_url(order_page)
    assert page.locator("h1 .status").inner_text() == "Cancelled"
    assert page.locator(".status-bar .step-stopped").inner_text() == "Cancelled"
    check(page, console, "cancelled", tmp_path)
