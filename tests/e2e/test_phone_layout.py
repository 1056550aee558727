"""On a 390 px phone (Chromium): the order form, the order page and the lists fit the screen,
tables scroll inside their own box, and no page logs a JavaScript error or a CSP violation."""
from __future__ import annotations

import re

import pytest

from tests.e2e.browser import CHROMIUM, Console, expect, pick, signed_in, use_language

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def check(page, console: Console, name: str, folder) -> None:
    """The page as it is now: no wider than the phone, nothing logged; a screenshot of it."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert page_width(page) <= 390, f"{name} is {page_width(page)} px wide"
    assert console.problems == [], name


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_order_form_and_the_order_page_fit_a_390_px_phone(portal, browser, screenshots, language):
    base, _ids = portal
    page = signed_in(browser, base, "acme-sales", **PHONE)
    console = Console(page)
    use_language(page, base, language)  # Chinese labels are narrower but wrap differently: both are checked
    check(page, console, f"account-{language}", screenshots)

    page.goto(f"{base}/orders/new")
    check(page, console, f"order-form-{language}", screenshots)
    customer, product_1, product_2 = {"en": ("Customer", "Product of line 1", "Product of line 2"),
                                      "zh_CN": ("客户", "第 1 行产品", "第 2 行产品")}[language]
    pick(page, customer, "C001", "C001")
    page.locator("#requested_date").fill("2030-01-31")
    page.locator("#delivery_method").select_option("freight")
    pick(page, product_1, "P001", "P001")
    page.locator("input[name='lines-0-quantity']").fill("10")
    page.locator("button.add-line").click()  # a second line, its type-ahead open: still no wider than the phone
    page.get_by_role("combobox", name=product_2, exact=True).fill("P00")
    expect(page.get_by_role("option", name=re.compile("P002"))).to_be_visible()
    check(page, console, f"order-form-two-lines-{language}", screenshots)
    pick(page, product_2, "P002", "P002")
    page.locator("input[name='lines-1-quantity']").fill("3")
    expect(page.locator("output[data-total=total]")).to_have_text(re.compile(r"\d"))
    page.locator("form[method='post'] button[type='submit']").last.click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    check(page, console, f"draft-{language}", screenshots)

    page.locator(".order-actions a[href$='/recheck']").click()  # the re-check summary, then the confirmation
    page.wait_for_url(re.compile(r".*/orders/\d+/recheck$"))
    page.locator("form[action$='/submit'] button[type='submit']").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    # The status bar has moved on to review, and sales' own review step asks in a radio group with a legend.
    in_review, decision = {"en": ("In review", "Decision"), "zh_CN": ("审核中", "审核结论")}[language]
    expect(page.locator(".status-bar [aria-current='step']")).to_have_text(in_review)
    expect(page.locator("form.review-decision fieldset > legend")).to_have_text(decision)
    expect(page.locator(".status-bar .step-done")).to_have_count(1)
    check(page, console, f"order-in-review-{language}", screenshots)

    page.locator("details.more-actions > summary").click()
    expect(page.locator("details.more-actions")).to_have_js_property("open", True)
    check(page, console, f"order-more-actions-{language}", screenshots)

    for path in ("/orders", "/inbox"):
        page.goto(f"{base}{path}")
        check(page, console, f"list{path.replace('/', '-')}-{language}", screenshots)


def test_cancelling_asks_for_confirmation_first(portal, browser, screenshots):
    base, _ids = portal
    page = signed_in(browser, base, "acme-sales", **PHONE)
    console = Console(page)
    page.goto(f"{base}/orders/new")
    pick(page, "Customer", "上海", "C001")
    page.locator("#requested_date").fill("2030-01-31")
    pick(page, "Product of line 1", "阀门", "P001")
    page.locator("input[name='lines-0-quantity']").fill("1")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    order_page = page.url

    page.get_by_text("More actions").click()
    page.get_by_role("link", name="Cancel the order").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/cancel$"))
    cancel_page = page.url
    page.get_by_label("Reason for cancelling").fill("客户撤单")
    expect(page.locator("input[name='confirm']")).to_be_hidden()  # with scripts, a dialog asks instead of the box
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    with page.expect_event("dialog"):  # the dialog's question, seen before anything is read
        page.get_by_role("button", name="Cancel the order").click()
    assert asked and asked[0].startswith("Cancel order #")
    assert page.url == cancel_page
    page.goto(order_page)
    expect(page.locator("h1 .status")).to_have_text("Draft")

    page.get_by_text("More actions").click()
    page.get_by_role("link", name="Cancel the order").click()
    page.get_by_label("Reason for cancelling").fill("客户撤单")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the order").click()
    page.wait_for_url(order_page)
    expect(page.locator("h1 .status")).to_have_text("Cancelled")
    expect(page.locator(".status-bar .step-stopped")).to_have_text("Cancelled")
    check(page, console, "cancelled", screenshots)
