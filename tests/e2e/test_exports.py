"""Every list's CSV and Excel export, downloaded through a real HTTP server as every demo role that opens the list.

A real server (Werkzeug's, as gunicorn does) sends the body after the request has
ended and its session is gone; the test client does not, so only this catches an
export that reads the database while it streams. Each file is opened (``csv``,
openpyxl) and read: the list's headers, at least one row, and no amount column for
a role without ``order.view_prices``.
"""
from __future__ import annotations

import csv
import io
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from http.cookiejar import CookieJar

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from core.auth.context import sees_prices
from core.db import commit
from core.demo import USERS, load_demo
from core.extensions import db
from core.admin.masterdata import CUSTOMER_LIST, PRODUCT_LIST
from core.admin.outbox import OUTBOX_LIST
from core.listview import Kind, ListSpec
from core.models import Company, User, utcnow
from core.order_list import ORDER_LIST
from plugins.billing.invoices.views import INVOICE_LIST
from plugins.billing.statements import run as statement_run
from plugins.billing.statements.views import STATEMENT_LIST
from plugins.intake import import_jobs
from plugins.intake.import_views import IMPORT_LIST
from plugins.review.views import QUEUE as REVIEW_QUEUE
from plugins.stock.views import LOT_LIST, MOVE_LIST, STOCK_LIST, WAREHOUSE_LIST
from plugins.logistics.execution.views import MY_TASKS, TEMPLATE_LIST
from plugins.logistics.shipments.views import SHIPMENT_LIST
from tests.e2e.server import serving

IMPORTED = "order_ref,customer_code,product_code,quantity\nW-1,C001,P001,2\n"


# Each list page that exports, by its path, with the list it declares.
LISTS: dict[str, ListSpec] = {"/orders": ORDER_LIST, "/customers": CUSTOMER_LIST, "/products": PRODUCT_LIST,
                              "/imports": IMPORT_LIST, "/shipments": SHIPMENT_LIST, "/invoices": INVOICE_LIST,
                              "/admin/outbox": OUTBOX_LIST, "/my-tasks": MY_TASKS,
                              "/execution-templates": TEMPLATE_LIST, "/statements": STATEMENT_LIST,
                              "/reviews": REVIEW_QUEUE, "/stock": STOCK_LIST, "/stock/moves": MOVE_LIST,
                              "/stock/lots": LOT_LIST, "/stock/warehouses": WAREHOUSE_LIST}
PERSONAL = {"/my-tasks", "/reviews"}  # each user's own rows (their tasks, the steps they may decide)
# Pages that export a table they compute, or a list built for the figure asked, not a fixed list: their own
# tests check the export is what the page shows (tests/plugins/billing/test_receivables_views.py, and the
# kpi plugin's analytics, cycle-time and supervision tests).
REPORTS = {"/receivables/ageing", "/receivables/ageing/invoices", "/kpi/cycle-times",
           "/analytics/customers", "/analytics/customers/segment", "/analytics/orders", "/analytics/regions",
           "/analytics/trends", "/supervision/audit", "/supervision/changes", "/supervision/escalations",
           "/supervision/stuck"}


def exporting_pages(app: Flask) -> set[str]:
    """Every page that answers ``?format=csv`` with a CSV file, asked as the administrator: the GET routes
    without parameters that a permission guards."""
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "ordo-admin"})
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments or rule.rule.startswith("/api/"):
            continue
        if not hasattr(app.view_functions[rule.endpoint], "required_permission"):
            continue
        with client.get(f"{rule.rule}?format=csv") as response:
            if response.mimetype == "text/csv":
                found.add(rule.rule)
    return found


def permission(app: Flask, path: str) -> str:
    endpoint = next(rule.endpoint for rule in app.url_map.iter_rules() if rule.rule == path)
    return app.view_functions[endpoint].required_permission


@pytest.fixture(scope="module")
def served(app_builders) -> Iterator[tuple[str, Flask]]:
    """The demo, with one uploaded import, served on 127.0.0.1 by a real HTTP server for the whole module."""
    build, clean_up = app_builders()
    app = build()
    try:
        with app.app_context():
            load_demo()
            company = db.session.execute(select(Company).where(Company.code == "DEMO")).scalar_one()
            sales = db.session.execute(select(User).where(User.username == "sales")).scalar_one()
            import_jobs.upload(company, sales, "orders.csv", IMPORTED.encode(), "generic")
            statement_run.make_statements(company, utcnow() + timedelta(days=40))  # the demo's first statements
            commit()
            db.session.remove()
        with serving(app) as base:
            yield base, app
    finally:
        clean_up()


def signed_in(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    with opener.open(f"{base}/login", data=form) as response:
        assert response.url.endswith("/inbox"), response.url
    return opener


def download(opener: urllib.request.OpenerDirector, url: str) -> tuple[str, bytes]:
    try:
        with opener.open(url) as response:
            return response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{url}: {error.code} {error.read()[-2000:]!r}") from error


def test_every_page_that_exports_is_a_list_checked_here(served) -> None:
    _, app = served
    with app.app_context():
        found = exporting_pages(app)
        assert sorted(found - (set(LISTS) | REPORTS)) == [] and sorted((set(LISTS) | REPORTS) - found) == []


@pytest.mark.parametrize("username", [username for username, *_ in USERS])
def test_every_list_downloads_as_csv_and_excel_through_a_real_server(served, username: str) -> None:
    base, app = served
    password = next(password for name, password, *_ in USERS if name == username)
    opener = signed_in(base, username, password)
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        opened = {path: spec for path, spec in LISTS.items() if user.can(permission(app, path))}
        prices = sees_prices(user)
        titles = {path: [str(column.title) for column in spec.columns_for(user)] for path, spec in opened.items()}
        money = {path: {str(column.title) for column in spec.columns if column.kind == Kind.MONEY}
                 for path, spec in opened.items()}
        db.session.remove()
    assert opened, f"{username} opens no list"
    for path in opened:
        kind, body = download(opener, f"{base}{path}?format=csv")
        assert kind == "text/csv", (path, kind)
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows[0] == titles[path], (path, rows[0])
        if path in PERSONAL and len(rows) == 1:
            continue  # a list of one's own tasks: this user has none in the demo, the header alone is right
        assert len(rows) >= 2 and any(cell for cell in rows[1]), (path, username, rows)

        kind, body = download(opener, f"{base}{path}?format=xlsx")
        assert kind == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (path, kind)
        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert cells[0] == titles[path], (path, cells[0])
        assert len(cells) >= 2 and any(value is not None for value in cells[1]), (path, username, cells)

        for header in (rows[0], cells[0]):
            shown_amounts = money[path] & set(header)
            if prices:
                assert shown_amounts == money[path], (path, username, header)
            else:
                assert not shown_amounts, (path, username, header)


def test_an_export_the_list_cannot_make_is_a_page_naming_the_parameter_not_a_broken_download(served) -> None:
    base, _app = served
    opener = signed_in(base, "sales", "ordo-sales")

    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(f"{base}/orders?format=csv&sort=nope")

    assert refused.value.code == 400
    assert "the list cannot be sorted by &#39;nope&#39;" in refused.value.read().decode()
