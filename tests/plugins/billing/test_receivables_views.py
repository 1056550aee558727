"""Collection's portal pages: the ageing report with its chart and table, the invoices behind a figure,
the export of exactly what is shown, amounts hidden without prices, and its cost."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from core import companies
from core.db import commit
from core.extensions import db
from tests.core.test_queries import statements
from tests.factories import portal_login
from tests.plugins.billing.ageing_rows import open_invoices
from tests.plugins.billing.test_receivables_ageing import SET

pytestmark = pytest.mark.usefixtures("hand_built_open_items")

PAGE = "/receivables/ageing?as_of=2026-03-31"


def test_the_ageing_page_shows_the_chart_and_table_and_each_figure_leads_to_its_invoices(app, world):
    ids = open_invoices(world, SET)
    commit()
    finance = portal_login(app, world.users["finance"])
    page = finance.get(PAGE).get_data(as_text=True)
    assert 'id="chart-ageing"' in page and 'id="ageing"' in page
    assert 'href="/receivables/ageing"' in page  # in the menu
    a = world.customers[0]
    assert a.name in page and "1,050.00" in page and "5,050.00" in page  # the not yet due of A; the total

    links = re.findall(r'href="(/receivables/ageing/invoices\?[^"]+)"', page)
    over_180 = next(link for link in links if "bucket=over_180" in link and f"key={a.id}" in link)
    listed = finance.get(over_180.replace("&amp;", "&")).get_data(as_text=True)
    assert "AG-" in listed and "100.00" in listed
    numbers = set(re.findall(r"AG-\d{7}", listed))
    assert len(numbers) == 1  # A's one invoice over 180 days: the one due on 15 January 2023
    everyone = next(link for link in links if "bucket=over_180" in link and "key=" not in link)
    assert len(set(re.findall(r"AG-\d{7}", finance.get(everyone.replace("&amp;", "&")).get_data(as_text=True)))) == 3
    assert len(ids) == len(SET)


def test_the_export_is_exactly_the_table_shown(app, world):
    open_invoices(world, SET)
    commit()
    finance = portal_login(app, world.users["finance"])
    exported = finance.get(PAGE + "&format=csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    header, *rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert header == ["Customer", "Currency", "Not yet due", "1–30 days", "31–60 days", "61–90 days", "91–180 days",
                      "Over 180 days", "Total", "Invoices"]
    assert rows == [
        [world.customers[0].name, "CNY", "1050.00", "300.00", "700.00", "0.00", "600.00", "100.00", "2750.00", "6"],
        [world.customers[1].name, "CNY", "0.00", "200.00", "0.00", "400.00", "0.00", "1700.00", "2300.00", "4"],
        ["Total", "CNY", "1050.00", "500.00", "700.00", "400.00", "600.00", "1800.00", "5050.00", "10"],
    ]
    sheet = load_workbook(io.BytesIO(finance.get(PAGE + "&view=years&format=xlsx").data)).active
    header, *rows = list(sheet.values)
    assert header == ("Customer", "Currency", "Within 1 year", "1–2 years", "2–3 years", "Over 3 years", "Total",
                      "Invoices")
    assert rows[-1] == ("Total", "CNY", 4050, 900, 0, 100, 5050, 10)


def test_without_prices_the_page_and_its_export_count_invoices_instead_of_amounts(app, world):
    open_invoices(world, SET)
    role = world.users["sales"].roles[0]
    companies.set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()
    sales = portal_login(app, world.users["sales"])
    page = sales.get(PAGE).get_data(as_text=True)
    assert "1,050.00" not in page and "5,050.00" not in page and "Open invoices by age" in page
    exported = sales.get(PAGE + "&format=csv").get_data(as_text=True)
    assert "1050" not in exported and exported.splitlines()[-1].endswith('"Total","CNY",2,2,1,1,1,3,10,10')
    assert portal_login(app, world.users["production"]).get(PAGE).status_code == 403


@pytest.mark.parametrize(("query", "named"), [
    ("as_of=31.03.2026", "as_of must be a date"),
    ("as_of=2999-01-01", "as_of may be at most a year"),
    ("group_by=region", "group_by must be one of"),
    ("view=weeks", "view must be one of"),
])
def test_a_bad_ageing_page_request_is_a_400_naming_the_problem(app, world, query, named):
    page = portal_login(app, world.users["finance"]).get(f"/receivables/ageing?{query}")
    assert page.status_code == 400 and named in page.get_data(as_text=True)
    drill = portal_login(app, world.users["finance"]).get(f"/receivables/ageing/invoices?{query}&currency=CNY")
    assert drill.status_code == 400


def test_the_ageing_page_costs_the_same_statements_for_100_invoices_as_for_10000(app, world):
    finance = portal_login(app, world.users["finance"])
    finance.get(PAGE)  # the session's first page signs in; the pages measured come after it
    counts = []
    for more in (100, 9_900):
        open_invoices(world, [(n % 2, "sales" if n % 3 else None, date(2026, 3, 31) - timedelta(days=n % 400),
                               [(date(2025, 1, 1), "10.00")]) for n in range(more)])
        commit()
        with statements(db.engine) as seen:
            response = finance.get(PAGE + "&group_by=salesperson")
        assert response.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]
    assert "100,000.00" in response.get_data(as_text=True)  # 10,000 invoices of 10.00
