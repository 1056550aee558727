"""The ageing report: a hand-built set of open invoices, bucketed on a fixed day and a month later, by
customer and by salesperson, in days and in years; bad input; its cost."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.db import commit
from core.errors import ValidationError
from plugins.billing.receivables.ageing import AgeingQuery, GroupBy, View, ageing, parse_query
from tests.plugins.billing.ageing_rows import open_invoices

pytestmark = pytest.mark.usefixtures("hand_built_open_items")

MARCH_31 = date(2026, 3, 31)
APRIL_30 = date(2026, 4, 30)
A, B = 0, 1  # the world's two customers
SET = [
    (A, "sales", date(2026, 4, 10), [(date(2026, 3, 1), "1000.00")]),  # not yet due
    (A, "sales", date(2026, 3, 31), [(date(2026, 3, 1), "50.00")]),  # due today: not yet due
    (A, "sales", date(2026, 3, 20), [(date(2026, 2, 20), "500.00"), (date(2026, 3, 25), "-200.00")]),  # 11 days
    (A, "sales", date(2026, 1, 30), [(date(2026, 1, 1), "700.00")]),  # 60 days
    (A, "sales", date(2025, 12, 1), [(date(2025, 11, 1), "600.00")]),  # 120 days
    (A, "sales", date(2023, 1, 15), [(date(2022, 12, 15), "100.00")]),  # 1,171 days: over 3 years
    (B, None, date(2026, 3, 1), [(date(2026, 2, 1), "300.00"), (date(2026, 3, 15), "-100.00")]),  # 30 days
    (B, None, date(2025, 12, 31), [(date(2025, 12, 1), "400.00")]),  # 90 days
    (B, None, date(2025, 10, 1), [(date(2025, 9, 1), "800.00")]),  # 181 days
    (B, None, date(2024, 12, 31), [(date(2024, 12, 1), "900.00")]),  # 455 days: 1-2 years
    (B, None, date(2026, 3, 30), [(date(2026, 4, 5), "250.00")]),  # issued after March 31
    (B, None, date(2026, 2, 1), [(date(2026, 1, 1), "120.00"), (date(2026, 3, 31), "-120.00")]),  # paid on the day
]


def figures(report):
    return {row.name: [str(amount) for amount in row.amounts] for row in [*report.rows, *report.totals]}


@pytest.fixture
def hand_built(world):
    open_invoices(world, SET)
    commit()
    return world


def test_the_buckets_of_a_hand_built_set_on_march_31_and_a_month_later(hand_built):
    world = hand_built
    a, b = (customer.name for customer in world.customers)
    finance = world.users["finance"]
    report = ageing(finance, AgeingQuery(MARCH_31, GroupBy.CUSTOMER, View.DAYS))
    assert [bucket.key for bucket in report.buckets] == ["not_due", "1_30", "31_60", "61_90", "91_180", "over_180"]
    assert figures(report) == {
        a: ["1050.00", "300.00", "700.00", "0.00", "600.00", "100.00"],
        b: ["0.00", "200.00", "0.00", "400.00", "0.00", "1700.00"],
        "Total": ["1050.00", "500.00", "700.00", "400.00", "600.00", "1800.00"],
    }
    assert [row.name for row in report.rows] == [a, b]  # the larger total first
    assert [row.counts for row in report.rows] == [(2, 1, 1, 0, 1, 1), (0, 1, 0, 1, 0, 2)]
    assert report.totals[0].total == Decimal("5050.00")

    later = ageing(finance, AgeingQuery(APRIL_30, GroupBy.CUSTOMER, View.DAYS))
    assert figures(later) == {
        a: ["0.00", "1050.00", "300.00", "700.00", "600.00", "100.00"],
        b: ["0.00", "0.00", "450.00", "0.00", "400.00", "1700.00"],
        "Total": ["0.00", "1050.00", "750.00", "700.00", "1000.00", "1800.00"],
    }


def test_the_by_year_view_and_the_salespeople(hand_built):
    world = hand_built
    a, b = (customer.name for customer in world.customers)
    finance = world.users["finance"]
    years = ageing(finance, AgeingQuery(MARCH_31, GroupBy.CUSTOMER, View.YEARS))
    assert [str(bucket.label) for bucket in years.buckets] == ["Within 1 year", "1–2 years", "2–3 years",
                                                              "Over 3 years"]
    assert figures(years) == {
        a: ["2650.00", "0.00", "0.00", "100.00"],
        b: ["1400.00", "900.00", "0.00", "0.00"],
        "Total": ["4050.00", "900.00", "0.00", "100.00"],
    }
    people = ageing(finance, AgeingQuery(MARCH_31, GroupBy.SALESPERSON, View.DAYS))
    assert figures(people) == {
        world.users["sales"].name: ["1050.00", "300.00", "700.00", "0.00", "600.00", "100.00"],
        "No salesperson": ["0.00", "200.00", "0.00", "400.00", "0.00", "1700.00"],
        "Total": ["1050.00", "500.00", "700.00", "400.00", "600.00", "1800.00"],
    }


@pytest.mark.parametrize(("as_of", "group_by", "view", "field"), [
    ("31/03/2026", None, None, "as_of"),
    ("2026-02-30", None, None, "as_of"),
    ("2099-01-01", None, None, "as_of"),
    (None, "region", None, "group_by"),
    (None, None, "weeks", "view"),
])
def test_a_bad_report_request_is_refused_naming_the_field(world, as_of, group_by, view, field):
    with pytest.raises(ValidationError) as refused:
        parse_query(world.company.id, as_of, group_by, view)
    assert refused.value.field == field


def test_the_request_defaults_to_today_by_customer_in_days(world):
    asked = parse_query(world.company.id, None, None, None)
    assert asked == AgeingQuery(world.company.today(), GroupBy.CUSTOMER, View.DAYS)
    assert parse_query(world.company.id, "2026-03-31", "salesperson", "years") == AgeingQuery(
        MARCH_31, GroupBy.SALESPERSON, View.YEARS)
