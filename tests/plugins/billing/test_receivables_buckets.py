"""The company's ageing buckets: finance sets the bounds on the API or the page, bounds that do not rise are
refused naming the field, and the report, its drill-down and its export use the company's buckets."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry
from plugins.billing.receivables import buckets
from plugins.billing.receivables.ageing import AgeingQuery, GroupBy, View, ageing
from tests.factories import portal_login
from tests.plugins.billing.ageing_rows import open_invoices
from tests.plugins.billing.test_collection_views import csrf_free
from tests.plugins.billing.test_receivables_ageing import MARCH_31, SET, figures
from tests.plugins.billing.test_statements_api import problem

pytestmark = pytest.mark.usefixtures("hand_built_open_items")


def test_the_default_bounds_make_the_six_buckets_of_the_issue(world):
    assert buckets.company_bounds(world.company.id) == [30, 60, 90, 180]
    assert [(b.key, str(b.label), b.first, b.last) for b in buckets.company_buckets(world.company.id)] == [
        ("not_due", "Not yet due", None, 0), ("1_30", "1–30 days", 1, 30), ("31_60", "31–60 days", 31, 60),
        ("61_90", "61–90 days", 61, 90), ("91_180", "91–180 days", 91, 180),
        ("over_180", "Over 180 days", 181, None)]


def test_the_report_uses_the_companys_own_buckets_and_the_years_stay(world):
    open_invoices(world, SET)
    buckets.set_bounds(world.company.id, [15, 45], world.users["finance"])
    commit()
    a, b = (customer.name for customer in world.customers)
    report = ageing(world.users["finance"], AgeingQuery(MARCH_31, GroupBy.CUSTOMER, View.DAYS))
    assert [bucket.key for bucket in report.buckets] == ["not_due", "1_15", "16_45", "over_45"]
    # A: 11 days (300), 60 (700), 120 (600), 1,171 (100); B: 30 days (200), 90, 181, 455 (400 + 800 + 900)
    assert figures(report) == {
        a: ["1050.00", "300.00", "0.00", "1400.00"],
        b: ["0.00", "0.00", "200.00", "2100.00"],
        "Total": ["1050.00", "300.00", "200.00", "3500.00"],
    }
    years = ageing(world.users["finance"], AgeingQuery(MARCH_31, GroupBy.CUSTOMER, View.YEARS))
    assert [bucket.key for bucket in years.buckets] == ["within_1_year", "1_2_years", "2_3_years", "over_3_years"]
    [entry] = db.session.execute(select(AuditEntry).where(AuditEntry.action == "ageing_buckets_set")).scalars()
    assert (entry.before, entry.after) == ({"bounds": [30, 60, 90, 180]}, {"bounds": [15, 45]})


def test_finance_sets_the_bounds_on_the_api_and_bounds_that_do_not_rise_are_refused(api, world):
    finance = api("finance")
    defaults = finance.get("/api/v1/receivables/ageing-buckets").get_json()
    assert defaults["bounds"] == [30, 60, 90, 180] and len(defaults["buckets"]) == 6

    saved = finance.put("/api/v1/receivables/ageing-buckets", json={"bounds": [10, 20, 365]})
    assert saved.status_code == 200, saved.get_json()
    assert [bucket["key"] for bucket in saved.get_json()["buckets"]] == ["not_due", "1_10", "11_20", "21_365",
                                                                        "over_365"]
    assert problem(finance.put("/api/v1/receivables/ageing-buckets", json={"bounds": [30, 30]}), 400) == "bounds[1]"
    assert problem(finance.put("/api/v1/receivables/ageing-buckets", json={"bounds": [60, 31, 90]}),
                   400) == "bounds[1]"
    assert problem(finance.put("/api/v1/receivables/ageing-buckets", json={"bounds": []}), 400) == "bounds"
    assert problem(finance.put("/api/v1/receivables/ageing-buckets", json={"bounds": [0, 30]}), 400)
    assert problem(finance.put("/api/v1/receivables/ageing-buckets", json={"bounds": ["thirty"]}), 400)
    assert problem(finance.put("/api/v1/receivables/ageing-buckets", json={}), 400) == "bounds"
    assert finance.get("/api/v1/receivables/ageing-buckets").get_json()["bounds"] == [10, 20, 365]
    assert api("sales").put("/api/v1/receivables/ageing-buckets", json={"bounds": [30]}).status_code == 403

    report = finance.get("/api/v1/receivables/ageing?as_of=2026-03-31").get_json()
    assert [bucket["label"] for bucket in report["buckets"]] == ["Not yet due", "1–10 days", "11–20 days",
                                                                "21–365 days", "Over 365 days"]


def test_finance_saves_the_bounds_on_the_page_and_the_report_page_chart_drill_and_export_follow(app, world):
    open_invoices(world, SET)
    commit()
    csrf_free(app)
    client = portal_login(app, world.users["finance"])
    page = client.get("/billing/ageing-buckets").get_data(as_text=True)
    assert 'name="bound-1" inputmode="numeric" size="5" value="30"' in page
    assert 'href="/billing/ageing-buckets"' in page  # in the settings menu

    refused = client.post("/billing/ageing-buckets", data={"bound-1": "40", "bound-2": "20"}, follow_redirects=True)
    assert refused.status_code == 200 and "more days than the one before" in refused.get_data(as_text=True)
    refused = client.post("/billing/ageing-buckets", data={"bound-1": "forty"}, follow_redirects=True)
    assert "whole number of days" in refused.get_data(as_text=True)
    assert buckets.company_bounds(world.company.id) == [30, 60, 90, 180]
    saved = client.post("/billing/ageing-buckets", data={"bound-1": "15", "bound-3": "45"}, follow_redirects=True)
    assert saved.status_code == 200
    assert buckets.company_bounds(world.company.id) == [15, 45]

    report = client.get("/receivables/ageing?as_of=2026-03-31").get_data(as_text=True)
    assert "16–45 days" in report and "Over 45 days" in report and "91–180 days" not in report
    links = re.findall(r'href="(/receivables/ageing/invoices\?[^"]+)"', report)
    middle = next(link for link in links if "bucket=16_45" in link and "key=" not in link)
    listed = client.get(middle.replace("&amp;", "&")).get_data(as_text=True)
    assert len(set(re.findall(r"AG-\d{7}", listed))) == 1  # B's invoice 30 days past due
    assert client.get("/receivables/ageing/invoices?as_of=2026-03-31&currency=CNY&bucket=31_60").status_code == 400

    exported = client.get("/receivables/ageing?as_of=2026-03-31&format=csv").get_data(as_text=True)
    header, *rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert header == ["Customer", "Currency", "Not yet due", "1–15 days", "16–45 days", "Over 45 days", "Total",
                      "Invoices"]
    assert rows[-1] == ["Total", "CNY", "1050.00", "300.00", "200.00", "3500.00", "5050.00", "10"]
    assert portal_login(app, world.users["sales"]).get("/billing/ageing-buckets").status_code == 403


@pytest.mark.parametrize("body", [
    None, [], "30", {"bounds": None}, {"bounds": "30,60"}, {"bounds": [None]}, {"bounds": [1.5]},
    {"bounds": [True]}, {"bounds": [2 ** 70]}, {"bounds": [-1]}, {"bounds": list(range(1, 20))},
    {"bounds": [[30]]}, {"bounds": [{"days": 30}]}, {"bounds": ["\x00"]}, {"bounds": [30], "extra": 1},
])
def test_whatever_a_client_sends_as_bounds_is_a_4xx_and_changes_nothing(api, world, body):
    answer = api("finance").put("/api/v1/receivables/ageing-buckets", json=body)
    assert 400 <= answer.status_code < 500, answer.get_json()
    assert buckets.company_bounds(world.company.id) == [30, 60, 90, 180]
