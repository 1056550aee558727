"""The list view, on the order list: search, filters, sort, group-by, keyset pages, export, who sees what."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from core import listview
from core.db import commit
from core.extensions import db
from core.listview import cursor_token, read_list
from core.models import Channel, OrderStatus
from core.order_list import ORDER_LIST
from tests import orders
from tests import factories
from tests.factories import portal_login


@pytest.fixture
def book(app, world):
    """Six orders: two drafts and four submitted ones, of two customers, with a tie on the total."""
    sales, admin = world.users["sales"], world.users["administrator"]
    c1, c2 = world.customers
    p1, p2 = world.products
    made = {
        "valves": orders.submitted(world, customer_reference="PO-7781", channel=Channel.EMAIL),
        "seals": orders.submitted(world, customer=c2, lines=[(p2, "100", None)]),  # 850.00 + tax
        "valves2": orders.submitted(world, customer=c2),  # the same total as "valves": a tie
        "big": orders.submitted(world, lines=[(p1, "100", None)], actor=admin),
        "draft": orders.draft(world, customer_reference="电话 0927"),
        "staff_draft": orders.draft(world, customer=c2, actor=admin),
    }
    made["big"].created_by_id = admin.id
    # Spread the creation days (Shanghai time) so that the date ranges have something to cut.
    for days, key in enumerate(("valves", "seals", "valves2", "big", "draft", "staff_draft")):
        made[key].created_at = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc) + timedelta(days=days)
        made[key].received_at = made[key].created_at - timedelta(days=2)  # received before it was entered
    made["seals"].source_reference = "taobao:TB5521"
    made["seals"].status = OrderStatus.APPROVED  # as review would have left it
    commit()
    assert sales.id != admin.id
    return made


def listed(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def numbers_in(page: str, book) -> set[str]:
    return {key for key, order in book.items() if f">{order.display_number}<" in page}


def test_the_order_list_searches_by_number_customer_code_name_po_and_source_reference(app, world, book):
    client = portal_login(app, world.users["sales"])

    assert numbers_in(listed(client.get(f"/orders?q={book['seals'].number}")), book) == {"seals"}
    assert numbers_in(listed(client.get("/orders?q=po-7781")), book) == {"valves"}  # any case
    assert numbers_in(listed(client.get("/orders?q=燕山化工")), book) == {"seals", "valves2", "staff_draft"}
    assert numbers_in(listed(client.get("/orders?q=C001")), book) == {"valves", "big", "draft"}
    assert numbers_in(listed(client.get("/orders?q=100%25")), book) == set()  # % is a character, not a wildcard
    assert numbers_in(listed(client.get("/orders?q=tb5521")), book) == {"seals"}  # the platform's order id


def test_each_filter_narrows_the_order_list(app, world, book):
    client = portal_login(app, world.users["sales"])
    c2, admin = world.customers[1], world.users["administrator"]

    assert numbers_in(listed(client.get("/orders?status=approved")), book) == {"seals"}
    assert numbers_in(listed(client.get("/orders?status=draft&status=approved")), book) == {
        "seals", "draft", "staff_draft"}
    assert numbers_in(listed(client.get("/orders?channel=email")), book) == {"valves"}
    assert numbers_in(listed(client.get(f"/orders?customer={c2.id}")), book) == {"seals", "valves2", "staff_draft"}
    assert numbers_in(listed(client.get(f"/orders?salesperson={admin.id}")), book) == {"big", "staff_draft"}
    assert numbers_in(listed(client.get("/orders?created_from=2026-11-02&created_to=2026-11-04")), book) == {
        "seals", "valves2", "big"}
    assert numbers_in(listed(client.get("/orders?created_to=2026-11-01")), book) == {"valves"}
    assert numbers_in(listed(client.get("/orders?received_from=2026-10-30&received_to=2026-10-31")), book) == {
        "valves", "seals"}
    submitted_today = book["valves"].submitted_at.astimezone(world.company.zone).date()
    assert numbers_in(listed(client.get(f"/orders?submitted_from={submitted_today}")), book) == {
        "valves", "seals", "valves2", "big"}


def test_the_customer_filter_is_a_type_ahead_that_shows_the_picked_customer(app, world, book):
    client = portal_login(app, world.users["sales"])
    c2 = world.customers[1]

    page = listed(client.get(f"/orders?customer={c2.id}"))

    assert 'role="combobox"' in page and 'name="customer-text"' in page
    assert f'value="{c2.code} {c2.name}"' in page and f'name="customer" value="{c2.id}"' in page
    assert '<select id="list-customer"' not in page  # not every customer of the company as an option


def test_a_customer_typed_without_scripts_is_resolved_or_refused_by_name(app, world, book):
    client = portal_login(app, world.users["sales"])

    by_code = listed(client.get("/orders?customer=&customer-text=c002"))
    several = client.get("/orders?customer=&customer-text=公司")

    assert numbers_in(by_code, book) == {"seals", "valves2", "staff_draft"}
    assert several.status_code == 400
    assert "Several customers match “公司”: type the code or choose one from the list." in several.get_data(
        as_text=True)


def test_the_order_list_sorts_by_total_both_ways_with_the_id_breaking_ties(app, world, book):
    with app.test_request_context("/orders"):
        user = world.users["sales"]
        up = [row.id for row in read_list(ORDER_LIST, user, MultiDict({"sort": "total"})).rows]
        down = [row.id for row in read_list(ORDER_LIST, user, MultiDict({"sort": "-total"})).rows]
    by_total = sorted(book.values(), key=lambda order: (order.total, order.id))
    assert up == [order.id for order in by_total]
    assert down == list(reversed(up))
    ties = [book["valves"].id, book["valves2"].id]
    assert [i for i in up if i in ties] == sorted(ties)


def test_grouping_counts_the_matching_orders_of_each_group_in_one_query(app, world, book):
    client = portal_login(app, world.users["sales"])
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        page = listed(client.get("/orders?group=status"))
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)

    assert len([s for s in statements if "GROUP BY" in s]) == 1
    assert "Grouped by Status" in page
    assert '<a href="/orders?status=submitted">In review</a></td>\n          <td class="num">3</td>' in page
    assert '<a href="/orders?status=draft">Draft</a></td>\n          <td class="num">2</td>' in page
    by_customer = listed(client.get("/orders?group=customer&status=submitted"))
    assert f'status=submitted&amp;customer={world.customers[0].id}">上海华东机电有限公司</a></td>\n          ' \
           f'<td class="num">2</td>' in by_customer


@pytest.mark.parametrize("sort", ["number", "-number", "total", "-total", "-created_at", "submitted_at", "-id"])
def test_keyset_pages_visit_every_order_exactly_once_both_ways(app, world, book, sort):
    spec = replace(ORDER_LIST, per_page=2)
    user = world.users["sales"]
    with app.test_request_context("/orders"):
        everything = [row.id for row in read_list(replace(spec, per_page=50), user, MultiDict({"sort": sort})).rows]
        seen, pages, args = [], [], MultiDict({"sort": sort})
        while True:
            page = read_list(spec, user, args)
            pages.append(page)
            seen += [row.id for row in page.rows]
            if page.next_cursor is None:
                break
            args = MultiDict({"sort": sort, "after": page.next_cursor})
        back = []
        page = pages[-1]
        while page.previous_cursor is not None:
            page = read_list(spec, user, MultiDict({"sort": sort, "before": page.previous_cursor}))
            back = [row.id for row in page.rows] + back
    assert len(everything) == 6 and seen == everything
    assert back + [row.id for row in pages[-1].rows] == everything
    assert len(pages) == 3 and pages[0].previous_cursor is None


def test_the_pager_links_carry_the_cursor_and_the_search_through_every_page(app, world, book, monkeypatch):
    monkeypatch.setattr("core.order_views.ORDER_LIST", replace(ORDER_LIST, per_page=2))
    client = portal_login(app, world.users["sales"])
    page = listed(client.get("/orders?q=C00&sort=total"))
    assert 'rel="prev"' not in page
    seen = [numbers_in(page, book)]
    while 'rel="next"' in page:
        link = re.search(r'<a href="([^"]+)" rel="next">', page).group(1).replace("&amp;", "&")
        assert "q=C00" in link and "sort=total" in link and "after=" in link
        page = listed(client.get(link))
        seen.append(numbers_in(page, book))
    assert [len(found) for found in seen] == [2, 2, 2] and set().union(*seen) == set(book)


def test_export_holds_exactly_the_filtered_orders_of_every_page_in_csv_and_excel(app, world, book, monkeypatch):
    monkeypatch.setattr(listview, "EXPORT_CHUNK", 2)  # several chunks from six orders
    client = portal_login(app, world.users["sales"])
    query = f"customer={world.customers[1].id}&sort=total"

    exported = client.get(f"/orders?{query}&format=csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert 'filename="orders.csv"' in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    expected = sorted((book[k] for k in ("seals", "valves2", "staff_draft")), key=lambda o: (o.total, o.id))
    assert [row["Order"] for row in rows] == [order.display_number for order in expected]
    assert [row["Total"] for row in rows] == [str(order.total) for order in expected]
    assert {row["Status"] for row in rows} == {"Approved", "In review", "Draft"}

    workbook = client.get(f"/orders?{query}&format=xlsx")
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    header, *cells = list(sheet.values)
    assert header[0] == "Order" and "Total" in header and "Requested delivery date" in header
    assert [row[0] for row in cells] == [order.display_number for order in expected]
    totals = [row[header.index("Total")] for row in cells]
    assert totals == [float(order.total) for order in expected]  # numbers, not text
    requested = cells[0][header.index("Requested delivery date")]
    assert isinstance(requested, datetime) and requested.date() == expected[0].requested_date


def test_export_in_chinese_has_chinese_headers_and_labels(app, world, book):
    client = portal_login(app, world.users["sales"])
    exported = client.get("/orders?status=approved&format=csv", headers={"Accept-Language": "zh-CN"})
    header, row = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert header[header.index("状态")] and row[header.index("状态")] == "已通过"
    assert row[header.index("接收渠道")] == "电话"


def test_a_role_without_prices_sees_no_amounts_in_the_list_or_the_export(app, world, book):
    client = portal_login(app, world.users["production"])
    page = listed(client.get("/orders"))
    assert "Total" not in page and f"{book['big'].total:,}" not in page
    rows = list(csv.reader(io.StringIO(client.get("/orders?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert "Total" not in rows[0] and len(rows) == 7
    sheet = load_workbook(io.BytesIO(client.get("/orders?format=xlsx").data)).active
    assert "Total" not in next(sheet.values)
    refused = client.get("/orders?sort=total")
    assert refused.status_code == 400 and "cannot be sorted by" in refused.get_data(as_text=True)


def test_a_customer_sees_and_exports_only_their_own_submitted_orders(app, world, book):
    buyer = portal_login(app, world.users["customer"])
    page = listed(buyer.get("/orders"))
    assert numbers_in(page, book) == {"valves", "big"}
    assert "Salesperson" not in page and "Administrator User" not in page
    rows = list(csv.DictReader(io.StringIO(buyer.get("/orders?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row["Order"] for row in rows) == sorted([book["valves"].number, book["big"].number])
    assert buyer.get(f"/orders?customer={world.customers[1].id}").status_code == 200  # not a filter for them
    assert numbers_in(listed(buyer.get("/orders?q=燕山")), book) == set()
    assert buyer.get("/orders?group=customer").status_code == 400


@pytest.mark.parametrize("query, message", [
    ("sort=colour", "cannot be sorted by"),
    ("created_from=2026-13-01", "created_from must be a date"),
    ("created_from=2026-12-02&created_to=2026-12-01", "the end of the range is before its start"),
    ("after=bm9wZQ", "after is not a position in this list"),
    ("sort=total&after=WyJ4eXoiLCAxXQ", "after is not a position in this list"),  # ["xyz", 1]
    ("after=WzEsIDk5OTk5OTk5OTk5XQ", "after is not a position in this list"),  # an id past MAX_ID
    ("status=lost", "status must be one of"),
    ("customer=abc", "customer must be the id of a record"),
    ("customer=0", "customer must be the id of a record"),
    ("customer=%C2%B2", "customer must be the id of a record"),  # a superscript two is a digit to Python
    ("created_to=9999-12-31", "created_to must be a date"),
    ("created_from=0001-01-01", "created_from must be a date"),
    ("q=a%07b", "control characters"),
    ("q=a%00b", "q: contains a NUL byte"),  # refused before the list reads it (core.request_text)
    ("sort=total&after=" + cursor_token("1e999999", 1), "after is not a position in this list"),
    ("sort=-created_at&before=" + cursor_token("0001-01-01T00:00:00+14:00", 1), "before is not a position"),
    ("sort=number&after=" + cursor_token("x\x00", 1), "after is not a position in this list"),
    ("sort=-id&after=" + cursor_token(2**70, 1), "after is not a position in this list"),
    ("group=colour", "cannot be grouped by"),
    ("format=pdf", "format must be one of"),
    ("q=" + "x" * 201, "longer than 200 characters"),
])
def test_a_bad_parameter_is_a_400_that_names_it(app, world, book, query, message):
    response = portal_login(app, world.users["sales"]).get(f"/orders?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_reading_and_exporting_the_list_writes_nothing(app, world, book):
    client = portal_login(app, world.users["sales"])
    writes: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for query in ("", "?q=C001&group=status", "?sort=total&format=csv", "?format=xlsx", "?sort=nope"):
            client.get(f"/orders{query}")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert writes == []


def test_htmx_gets_only_the_results(app, world, book):
    client = portal_login(app, world.users["sales"])
    page = listed(client.get("/orders?q=PO-7781", headers={"HX-Request": "true", "HX-Target": "list-results"}))
    assert page.lstrip().startswith('<div id="list-results"') and "<html" not in page
    assert numbers_in(page, book) == {"valves"}


def test_the_menu_links_to_the_core_order_list(app, world):
    page = listed(portal_login(app, world.users["sales"]).get("/inbox"))
    assert 'href="/orders"' in page


def test_a_date_only_column_keeps_its_date(app, world, book):
    with app.test_request_context("/orders"):
        page = read_list(ORDER_LIST, world.users["sales"], MultiDict({"sort": "requested_date"}))
    assert all(isinstance(row.requested_date, date) for row in page.rows)
    assert isinstance(page.rows[0].total, Decimal)


FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def test_exported_text_never_runs_as_a_formula_and_numbers_stay_numbers(app, world):
    """The OWASP payloads in customer names and order references: every export cell is text with a leading
    quote, in Excel and CSV; a negative amount stays a number; the page shows the names unchanged."""
    for number, payload in enumerate(FORMULAS):
        customer = factories.customer(world.company, f"X{number:03}", payload)
        customer.credit_limit = Decimal("-12.50")
        orders.draft(world, customer=customer, customer_reference=payload)
    commit()
    client = portal_login(app, world.users["sales"])

    sheet = load_workbook(io.BytesIO(client.get("/customers?format=xlsx&q=X0").data)).active
    header, *cells = list(sheet.iter_rows(min_row=1))
    names = [row[[cell.value for cell in header].index("Name")] for row in cells]
    # (an XML reader reads a carriage return back as a newline: the file holds it as it was)
    assert [cell.value for cell in names] == ["'" + payload.replace("\r", "\n") for payload in FORMULAS]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    limits = [row[[cell.value for cell in header].index("Credit limit")].value for row in cells]
    assert limits == [-12.5] * len(FORMULAS)

    exported = client.get("/customers?format=csv&q=X0").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["Name"] for row in rows] == ["'" + payload for payload in FORMULAS]
    assert [row["Credit limit"] for row in rows] == ["-12.50"] * len(FORMULAS)
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in exported  # quoted, its quotes doubled
    assert ",-12.50," in exported  # a number: not quoted

    orders_sheet = load_workbook(io.BytesIO(client.get("/orders?format=xlsx").data)).active
    header = next(orders_sheet.values)
    references = {row[header.index("Customer reference")] for row in list(orders_sheet.values)[1:]}
    assert {"'" + payload.replace("\r", "\n") for payload in FORMULAS} <= references
    assert all(cell.data_type != "f" for row in orders_sheet.iter_rows() for cell in row)
    page = client.get("/customers?q=X0").get_data(as_text=True)
    assert "+1+1" in page and "&#39;+1+1" not in page and "'+1+1" not in page


def test_a_stored_control_character_does_not_break_the_excel_export(app, world):
    """A name stored before the boundary refused control characters: the export replaces what a workbook
    cannot hold instead of failing."""
    factories.customer(world.company, "C900", "Bell\x07Corp")
    commit()
    client = portal_login(app, world.users["sales"])
    exported = client.get("/customers?format=xlsx&q=C900")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data)).active
    header, row = list(sheet.values)
    assert row[header.index("Name")] == "Bell\ufffdCorp"
    assert client.get("/customers?format=csv&q=C900").status_code == 200
