"""Analytics pages: chart and table, every figure leading to its orders, exports equal to the page, amounts
hidden without prices, the same statements for 100 orders as for 10,000, and the API."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core import companies
from core.db import commit
from core.extensions import db
from tests.clones import clone_order
from tests.core.test_queries import statements
from tests.factories import ApiClient, portal_login
from tests.plugins.kpi.analytics_data import AS_OF, at_noon, build_book, order_for

PERIOD = f"as_of={AS_OF.isoformat()}&months=12"
ENGLISH = {"Accept-Language": "en"}
PAGES = ("/analytics/regions", "/analytics/customers", "/analytics/trends")


@pytest.fixture
def book(app, world):
    return build_book(world)


def _table(page: str, name: str) -> list[list[str]]:
    """The cells of a shown table, as text, header first."""
    body = page[page.index(f'id="table-{name}"'):]
    body = body[:body.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def _cell(cell: object) -> object:
    """A cell as compared: a number as a Decimal (the page writes 1,356.00, the sheet 1356), empty and the
    page's dash for nothing as None, text as it reads."""
    if cell is None or cell in ("", "—"):
        return None
    text = str(cell).replace(",", "")
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return Decimal(text)
    return str(cell)


def test_the_regions_page_shows_chart_and_table_and_each_figure_leads_to_its_orders(app, world, book):
    manager = portal_login(app, world.users["manager"])
    page = manager.get(f"/analytics/regions?{PERIOD}", headers=ENGLISH).get_data(as_text=True)
    assert 'id="chart-regions"' in page and 'href="/analytics/regions"' in page
    rows = _table(page, "regions")
    assert rows[0] == ["Province", "City", "Orders", "Orders, previous period", "Orders growth (%)", "Amount",
                       "Amount, previous period", "Amount growth (%)"]
    assert ["北京", "", "3", "1", "200.0", "8,136.00", "1,356.00", "500.0"] in rows
    assert rows[-1][:3] == ["Total", "", "16"]
    links = [html.unescape(link) for link in re.findall(r'href="(/analytics/orders\?[^"]+)"', page)]
    guangzhou = next(link for link in links if "city=%E5%B9%BF%E5%B7%9E" in link and "previous" not in link)
    listed = manager.get(guangzhou).get_data(as_text=True)
    assert len(set(re.findall(r"SO-AN-\d{5}", listed))) == 1 and "5,424.00" in listed
    before = next(link for link in links if "province=%E5%8C%97%E4%BA%AC" in link and "previous=1" in link)
    assert len(set(re.findall(r"SO-AN-\d{5}", manager.get(before).get_data(as_text=True)))) == 1


@pytest.mark.parametrize("path", ["/analytics/regions", "/analytics/customers", "/analytics/trends?table=products",
                                  "/analytics/trends?table=channels", "/analytics/trends?table=months"])
def test_each_export_is_exactly_the_table_shown(app, world, book, path):
    manager = portal_login(app, world.users["manager"])
    glue = "&" if "?" in path else "?"
    page = manager.get(f"{path}{glue}{PERIOD}", headers=ENGLISH).get_data(as_text=True)
    name = {"regions": "regions", "customers": "customer-segments", "products": "product-mix",
            "channels": "channel-mix", "months": "trends-by-month"}[path.rsplit("=", 1)[-1].rsplit("/", 1)[-1]]
    shown = _table(page, name)
    sheet = load_workbook(io.BytesIO(manager.get(f"{path}{glue}{PERIOD}&format=xlsx", headers=ENGLISH).data)).active
    exported = [[_cell(cell) for cell in row] for row in sheet.values]
    assert [[_cell(cell) for cell in row] for row in shown] == exported
    text = manager.get(f"{path}{glue}{PERIOD}&format=csv", headers=ENGLISH).get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))) == len(shown)


def test_the_segments_list_their_customers_and_orders(app, world, book):
    manager = portal_login(app, world.users["manager"])
    page = manager.get(f"/analytics/customers?{PERIOD}", headers=ENGLISH).get_data(as_text=True)
    rows = _table(page, "customer-segments")
    assert rows[1] == ["HHH", "Important value customers", "1", "3", "8,136.00"]
    assert [row[0] for row in rows[1:]] == ["HHH", "HLH", "LHH", "LLH", "HHL", "HLL", "LHL", "LLL"]
    link = html.unescape(re.search(r'href="(/analytics/customers/segment\?[^"]*segment=LLH[^"]*)"', page).group(1))
    listed = manager.get(link, headers=ENGLISH).get_data(as_text=True)
    assert "客户 D" in listed and "客户 H" not in listed and "Important customers to win back" in listed
    chinese = manager.get(f"/analytics/customers?{PERIOD}", headers={"Accept-Language": "zh-CN"})
    assert "重要价值客户" in chinese.get_data(as_text=True)
    orders = html.unescape(re.search(r'href="(/analytics/orders\?[^"]*segment=HHL[^"]*)"', page).group(1))
    assert len(set(re.findall(r"SO-AN-\d{5}", manager.get(orders).get_data(as_text=True)))) == 3


def test_without_prices_no_amount_is_shown_or_exported(app, world, book):
    production = portal_login(app, world.users["production"])
    for path in PAGES:
        page = production.get(f"{path}?{PERIOD}", headers=ENGLISH)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "8,136.00" not in text and "28,204.80" not in text and "Amount" not in text, path
        exported = production.get(f"{path}?{PERIOD}&format=csv", headers=ENGLISH).get_data(as_text=True)
        assert "8136" not in exported and "Amount" not in exported
    answer = ApiClient(app, world.users["production"]).get(f"/api/v1/analytics/regions?{PERIOD}").get_json()
    assert answer["total"]["orders"] == 16 and answer["total"]["amount"] is None


def test_customers_and_customer_users_cannot_see_analytics(app, world, book):
    buyer = portal_login(app, world.users["customer"])
    for path in (*PAGES, "/analytics/orders", "/analytics/customers/segment?segment=HHH"):
        assert buyer.get(path).status_code == 403
    assert ApiClient(app, world.users["customer"]).get("/api/v1/analytics/regions").status_code == 403


@pytest.mark.parametrize(("query", "field"), [
    ("as_of=2026-02-30", "as_of"), ("months=0", "months"), ("months=abc", "months"),
    ("recency_days=-2", "recency_days"),
    ("monetary=1e999", "monetary"), ("segment=XYZ", "segment"), ("month=2020-01", "month"), ("channel=fax", "channel"),
    ("product=abc", "product"), ("customer=0", "customer"),
])
def test_a_bad_parameter_is_a_400_naming_it(app, world, query, field):
    manager = portal_login(app, world.users["manager"])
    path = "/analytics/customers" if field in ("recency_days", "monetary") else "/analytics/orders"
    response = manager.get(f"{path}?{query}", headers=ENGLISH)
    assert response.status_code == 400 and field in response.get_data(as_text=True)
    if field in ("as_of", "months", "recency_days", "monetary"):
        api = ApiClient(app, world.users["manager"]).get(f"/api/v1/analytics/customers?{query}")
        assert api.status_code in (400, 422) and field in api.get_data(as_text=True)


def test_the_api_answers_regions_and_segments(app, world, book):
    api = ApiClient(app, world.users["manager"])
    regions = api.get(f"/api/v1/analytics/regions?{PERIOD}").get_json()
    beijing = next(row for row in regions["provinces"] if row["province"] == "北京")
    assert (beijing["orders"], beijing["amount"], beijing["orders_growth"]) == (3, "8136.00", "2.0000")
    assert regions["period"]["first_day"] == "2025-07-01"
    customers = api.get(f"/api/v1/analytics/customers?{PERIOD}&recency_days=30&frequency=3&monetary=5000")
    answer = customers.get_json()
    assert answer["customers"] == 8 and answer["thresholds"]["given"] == ["frequency", "monetary", "recency_days"]
    assert [(row["code"], row["customers"]) for row in answer["segments"]][:2] == [("HHH", 1), ("HLH", 1)]
    document = api.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/analytics/regions" in document["paths"] or "/analytics/regions" in document["paths"]


def test_every_page_costs_the_same_statements_for_100_orders_as_for_10000(app, world):
    order = order_for(world, world.customers[0].id, 10, AS_OF - timedelta(days=3))
    customers = [world.customers[0].id, world.customers[1].id]
    manager = portal_login(app, world.users["manager"])
    manager.get(f"/analytics/regions?{PERIOD}")  # signs in
    pages = [f"{path}?{PERIOD}" for path in PAGES] + [
        f"/analytics/customers/segment?{PERIOD}&segment=HHH", f"/analytics/orders?{PERIOD}&province=%E4%B8%8A%E6%B5%B7"]
    counts: dict[str, list[int]] = {page: [] for page in pages}
    for more in (99, 9_900):
        clone_order(order.id, more, vary={"order": lambda n, row: {
            **row, "customer_id": customers[n % 2], "submitted_at": at_noon(AS_OF - timedelta(days=n % 700))}})
        commit()
        for page in pages:
            with statements(db.engine) as seen:
                response = manager.get(page)
            assert response.status_code == 200, page
            counts[page].append(len(seen))
    assert all(first == second for first, second in counts.values()), counts


def test_a_role_without_the_permission_is_refused(app, world, book):
    role = world.users["sales"].roles[0]
    companies.set_role_permissions(role, role.permissions - {"kpi.analytics"}, actor=None)
    commit()
    assert portal_login(app, world.users["sales"]).get("/analytics/regions").status_code == 403
