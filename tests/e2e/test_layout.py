"""In Chromium, the top bar and the list pages at a desktop's 1280 px and a phone's 390 px: the
administrator, who sees every menu, gets the navigation on one line with its groups as drop-downs
that the keyboard opens and closes; on a phone it folds behind a "Menu" button and the list filters
fold under "Filters"; no page the menu leads to scrolls sideways."""
from __future__ import annotations

import re

import pytest

from tests.e2e.browser import CHROMIUM, Console, expect, signed_in, tour_shot, use_language

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

# The parts of the top bar that must share one line: brand, each menu entry, search, the user's menu.
TOP_BAR_PARTS = """() => [...document.querySelectorAll(
    '.topbar > .brand, .topbar .menu > li, .topbar .global-search, .topbar .who > summary')]
    .map((part) => { const box = part.getBoundingClientRect(); return [box.top, box.bottom]; })"""
# Boxes inside the page that scroll sideways (a table in its own scroll box, for example).
SIDEWAYS = """() => [...document.querySelectorAll('main *')].filter((box) =>
    box.scrollWidth > box.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX))
    .map((box) => box.tagName + '.' + box.className)"""


def menu_pages(page) -> list[str]:
    """Every page the navigation links to, drop-downs included."""
    return page.locator(".topbar nav a").evaluate_all("links => links.map((link) => link.getAttribute('href'))")


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_administrators_navigation_is_one_line_at_1280_px_on_every_page(portal, browser, screenshots, language):
    base, _ids = portal
    page = signed_in(browser, base, "acme-administrator", **DESKTOP)
    console = Console(page)
    use_language(page, base, language)
    pages = menu_pages(page)
    assert {"/reviews/settings", "/intake/settings", "/admin/modules", "/orders/new"} <= set(pages)

    for path in pages:
        page.goto(f"{base}{path}")
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(screenshots / f"desktop-{name}-{language}.png"), full_page=True)
        parts = page.evaluate(TOP_BAR_PARTS)
        assert len(parts) >= 8, parts  # brand, inbox, orders, reviews, ..., settings, search, user
        assert max(top for top, _bottom in parts) < min(bottom for _top, bottom in parts), (path, parts)
        assert page.locator("header.topbar").bounding_box()["height"] < 64, path
        assert page_width(page) <= 1280, f"{path} is {page_width(page)} px wide"
        expect(page.locator(".topbar .menu-toggle")).to_be_hidden()
    for path in ("/reviews/settings", "/intake/settings"):  # settings pages fit without a box scrolling sideways
        page.goto(f"{base}{path}")
        assert page.evaluate(SIDEWAYS) == [], path
    assert console.problems == []


def test_the_keyboard_opens_a_menu_group_follows_a_link_and_escape_closes_it(portal, browser, screenshots):
    base, _ids = portal
    page = signed_in(browser, base, "acme-administrator", **DESKTOP)
    console = Console(page)
    settings = page.locator(".topbar details.menu-group", has=page.locator("summary", has_text="Settings"))
    summary = settings.locator("summary")

    summary.focus()
    page.keyboard.press("Enter")
    expect(settings).to_have_js_property("open", True)
    page.screenshot(path=str(screenshots / "settings-menu-open.png"))
    tour_shot(page, "navigation")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Users")
    page.keyboard.press("Escape")
    expect(settings).to_have_js_property("open", False)
    expect(summary).to_be_focused()

    page.keyboard.press("Enter")  # one group open at a time: opening another closes it
    orders = page.locator(".topbar details.menu-group", has=page.locator("summary", has_text="Orders"))
    orders.locator("summary").click()
    expect(orders).to_have_js_property("open", True)
    expect(settings).to_have_js_property("open", False)
    page.locator("main").click()  # a click elsewhere closes it
    expect(orders).to_have_js_property("open", False)

    summary.focus()
    page.keyboard.press("Enter")
    for _link in ("Users", "Roles", "Modules", "Company profile", "Outgoing mail", "Review settings",
                  "Execution templates", "Intake settings"):
        page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Intake settings")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/intake/settings$"))
    expect(summary).to_have_class("current")  # the group says the page is one of its own
    assert console.problems == []


def test_on_a_390_px_phone_the_menu_folds_behind_a_button_and_the_filters_under_a_summary(portal, browser,
                                                                                         screenshots):
    base, _ids = portal
    page = signed_in(browser, base, "acme-administrator", **PHONE)
    console = Console(page)
    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")

    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("searchbox", name="Search orders")).to_be_visible()  # the search stays in sight
    assert page.locator("header.topbar").bounding_box()["height"] < 120  # two lines: the bar, the search
    page.screenshot(path=str(screenshots / "phone-menu-closed.png"), full_page=True)
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.locator(".topbar summary", has_text="Settings").click()
    expect(page.get_by_role("link", name="Intake settings")).to_be_visible()
    page.screenshot(path=str(screenshots / "phone-menu-open.png"), full_page=True)
    assert page_width(page) <= 390
    pages = menu_pages(page)
    page.get_by_role("link", name="Intake settings").click()
    page.wait_for_url(re.compile(r".*/intake/settings$"))
    expect(nav).to_be_hidden()

    for path in pages:
        page.goto(f"{base}{path}")
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(screenshots / f"phone-{name}.png"), full_page=True)
        assert page_width(page) <= 390, f"{path} is {page_width(page)} px wide"

    page.goto(f"{base}/orders")
    search = page.locator("#list-q")
    expect(search).to_be_hidden()  # the filters wait under "Filters"
    page.locator("details.list-filters-fold > summary").click()
    expect(search).to_be_visible()
    page.screenshot(path=str(screenshots / "phone-orders-filters-open.png"), full_page=True)
    search.fill("C002")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*q=C002"))
    expect(page.locator("details.list-filters-fold > summary .count")).to_have_text("1")
    assert console.problems == []
