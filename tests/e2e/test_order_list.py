"""In Chromium: a clerk searches the order list as they type (htmx), exports what they found to
Excel, and the workbook holds exactly those orders; no page logs a JavaScript error."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from core.db import commit
from tests import factories, orders
from tests.e2e.browser import CHROMIUM, expect, signed_in
from tests.e2e.server import serving

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture
def stocked_portal(make_app) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The portal on a real HTTP server, with five submitted orders of two customers."""
    app = make_app({"WTF_CSRF_ENABLED": True, "SERVER_NAME": None})
    with app.app_context():
        world = factories.build_world(app)
        placed = [orders.submitted(world, customer=world.customers[index % 2]) for index in range(5)]
        commit()
        found = [(order.number, str(order.total)) for order in placed if order.customer_id == world.customers[1].id]
    with serving(app) as base:
        yield base, found


def test_a_clerk_searches_the_order_list_and_exports_it_to_excel(stocked_portal, browser, tmp_path):
    base, expected = stocked_portal
    page = signed_in(browser, base, "acme-sales", accept_downloads=True)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{base}/orders")
    rows = page.locator("#list-results table.list:not(.groups) tbody tr")
    expect(rows).to_have_count(5)
    page.locator("#list-q").fill("燕山")  # no Enter: htmx asks as the clerk types
    expect(rows).to_have_count(len(expected))
    expect(page).to_have_url(re.compile(r"q=%E7%87%95%E5%B1%B1"))  # the address is the list: shareable
    page.screenshot(path=str(tmp_path / "order-list-search.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel").click()
    download = download_info.value
    assert download.suggested_filename == "orders.xlsx"
    saved = tmp_path / "orders.xlsx"
    download.save_as(saved)

    header, *cells = list(load_workbook(saved).active.values)
    total = header.index("Total")
    assert sorted((row[0], f"{row[total]:.2f}") for row in cells) == sorted(expected)
    assert {row[header.index("Customer")] for row in cells} == {"北京燕山化工股份公司"}
    assert problems == []


def test_a_clerk_filters_the_order_list_by_a_customer_picked_with_the_type_ahead(stocked_portal, browser):
    base, expected = stocked_portal
    page = signed_in(browser, base, "acme-sales")
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto(f"{base}/orders")
    rows = page.locator("#list-results table.list:not(.groups) tbody tr")
    expect(rows).to_have_count(5)
    page.locator("#list-customer-text").fill("C002")
    page.locator("#list-customer-options [role=option]").first.click()

    # Typing may already have filtered by the text (resolved on the server) before the pick
    # lands: the pick's own request is the one that names the customer's id.
    expect(page).to_have_url(re.compile(r".*[?&]customer=\d+"))
    expect(rows).to_have_count(len(expected))
    expect(page.locator("#list-customer-text")).to_have_value(re.compile(r"^C002 "))
    assert problems == []
