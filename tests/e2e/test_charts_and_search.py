"""In Chromium: the KPI page draws its charts from the tables beside them, at 390 px too, with no
JavaScript error; the header's search box finds an order and leads to it."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from core.db import commit
from tests import factories, orders
from tests.e2e.browser import CHROMIUM, expect, signed_in, use_language
from tests.e2e.server import serving
from tests.e2e.test_phone_layout import PHONE, Console, page_width

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture
def shop(make_app) -> Iterator[tuple[str, str]]:
    """The portal on a real HTTP server, with two submitted orders to count and to find."""
    app = make_app({"WTF_CSRF_ENABLED": True, "SERVER_NAME": None})
    with app.app_context():
        world = factories.build_world(app)
        found = orders.submitted(world, customer_reference="PO-E2E-7")
        orders.submitted(world, customer=world.customers[1])
        commit()
        number = found.number
    with serving(app) as base:
        yield base, number


def drawn(page, key: str) -> list[list[float]]:
    """The numbers ECharts drew for a chart, per series."""
    return page.evaluate(
        """key => {
             const chart = echarts.getInstanceByDom(document.querySelector(`#chart-${key} .chart-canvas`));
             return chart.getOption().series.map(series => series.data.map(
               point => typeof point === 'object' ? point.value : point));
           }""", key)


def table(page, key: str) -> list[list[float]]:
    """The numbers of the chart's table, per series (a column each), as the reader sees them."""
    rows = page.locator(f"#chart-{key} tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.querySelectorAll('td')].map(cell => cell.textContent.trim()))")
    return [[float(cell) for cell in column] for column in zip(*rows, strict=True)]


@pytest.mark.parametrize(("language", "viewport"), [
    ("en", {"viewport": {"width": 1280, "height": 900}}), ("zh_CN", PHONE)], ids=["en-wide", "zh-phone"])
def test_the_kpi_page_draws_its_charts_from_its_tables(shop, browser, tmp_path, language, viewport):
    base, _number = shop
    page = signed_in(browser, base, "acme-manager", **viewport)
    console = Console(page)
    use_language(page, base, language)  # the reader's language, chosen as a user would
    page.goto(f"{base}/kpi")
    expect(page.locator("#chart-stage-events figcaption")).to_have_text(
        "各环节事件" if language == "zh_CN" else "Stage events")
    for key in ("stage-events", "over-time", "collected"):
        canvas = page.locator(f"#chart-{key} .chart-canvas canvas")
        expect(canvas).to_have_count(1)  # drawn by the page's script once ECharts has loaded
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 200, key
        assert drawn(page, key) == table(page, key), key
    page.screenshot(path=str(tmp_path / f"kpi-{language}.png"), full_page=True)

    width = page.viewport_size["width"]
    page.set_viewport_size({"width": 700 if width > 700 else 360, "height": 800})  # the charts follow the window
    page.wait_for_function("""() => { const box = document.querySelector('#chart-stage-events canvas');
                                      return Math.abs(box.getBoundingClientRect().width
                                        - box.parentElement.parentElement.getBoundingClientRect().width) < 2; }""")
    if viewport is PHONE:
        assert page_width(page) <= 390
    assert console.problems == []


def test_the_header_search_finds_an_order_by_its_customers_po_number(shop, browser, tmp_path):
    base, number = shop
    page = signed_in(browser, base, "acme-sales", **PHONE)
    console = Console(page)
    box = page.get_by_role("searchbox", name="Search orders")
    box.fill("po-e2e")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=po-e2e$"))
    results = page.locator("#search-customer_reference")
    expect(results.get_by_role("link")).to_have_text([number])
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    assert page_width(page) <= 390

    results.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    expect(page.locator("h1")).to_contain_text(number)
    assert console.problems == []
