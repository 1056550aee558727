"""Analytics on a hand-made book of orders: regions with growth, RFM segments, months, products, channels."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import ValidationError
from plugins.kpi.analytics import mix
from plugins.kpi.analytics.period import parse_period
from plugins.kpi.analytics.regions import regions
from plugins.kpi.analytics.rfm import AskedThresholds, Segment, parse_thresholds, rfm
from tests.plugins.kpi.analytics_data import AS_OF, BOOK, build_book

D = Decimal


@pytest.fixture
def book(app, world):
    return build_book(world)


def test_orders_and_amounts_by_province_and_city_with_growth_over_the_previous_period(world, book):
    report = regions(world.company, parse_period(world.company, AS_OF, 12))

    by_province = {row.province: row for row in report.provinces}
    assert [row.province for row in report.provinces] == ["上海", "北京", "广东", "浙江"]
    shanghai, beijing, guangdong, zhejiang = (by_province[name] for name in ("上海", "北京", "广东", "浙江"))
    # 20 + 20 + 20 + 40 pieces at 135.60
    assert (shanghai.orders, shanghai.amount, shanghai.previous_orders, shanghai.amount_growth) == \
        (4, D("13560.00"), 0, None)
    # 3 orders of 20 against one of 10 the year before: 200 % more orders, 500 % more money.
    assert (beijing.orders, beijing.amount, beijing.previous_orders, beijing.previous_amount) == \
        (3, D("8136.00"), 1, D("1356.00"))
    assert (beijing.orders_growth, beijing.amount_growth) == (D("2.0000"), D("5.0000"))
    assert [(city.city, city.orders, city.amount) for city in guangdong.cities] == \
        [("广州", 1, D("5424.00")), ("深圳", 3, D("406.80"))]
    assert (zhejiang.orders, zhejiang.amount) == (5, D("678.00"))
    assert (report.total.orders, report.total.amount, report.total.previous_orders) == (16, D("28204.80"), 1)


@pytest.mark.parametrize("asked", [AskedThresholds(30, 3, D("5000.00")), AskedThresholds()],
                         ids=["thresholds-set", "medians"])
def test_each_customer_falls_in_the_segment_its_recency_frequency_and_value_give(world, book, asked):
    report = rfm(world.company, parse_period(world.company, AS_OF, 12), asked)

    assert report.customers == 8
    assert [(figures.segment.value, figures.customers) for figures in report.segments] == \
        [(segment.value, 1) for segment in Segment]
    assert {figures.segment.value: figures.orders for figures in report.segments} == \
        {segment: len(days) for _p, _c, days, _q, segment, _ch in BOOK.values()}
    assert sum(figures.amount for figures in report.segments) == D("28204.80") - D("0.00")


def test_the_medians_are_those_of_the_customers_who_ordered(world, book):
    found = rfm(world.company, parse_period(world.company, AS_OF, 12), AskedThresholds()).thresholds

    # Frequencies 1,1,1,1,3,3,3,3; amounts 135.60 ×2, 406.80 ×2, 5,424.00 ×2, 8,136.00 ×2.
    assert found.frequency == D(2)
    assert found.monetary == D("2915.40")
    assert found.given == frozenset()


def test_months_products_and_channels(world, book):
    period = parse_period(world.company, AS_OF, 12)

    months = mix.months(world.company, period)
    assert len(months) == 12 and months[0].month == date(2025, 7, 1)
    busy = {figures.month: (figures.orders, figures.customers, figures.amount) for figures in months if figures.orders}
    assert busy == {date(2026, 1, 1): (2, 2, D("5559.60")), date(2026, 2, 1): (6, 2, D("8542.80")),
                    date(2026, 6, 1): (8, 4, D("14102.40"))}
    [product] = mix.products(world.company, period)
    assert (product.code, product.orders, product.quantity, product.amount) == ("P001", 16, D(208), D("28204.80"))
    channels = {figures.channel.value: (figures.orders, figures.amount)
                for figures in mix.channels(world.company, period)}
    # A, C, E and G three each, H one.
    assert channels["phone"] == (13, D("17221.20"))
    assert channels["email"] == (1, D("5424.00")) and channels["api"] == (0, D("0.00"))


@pytest.mark.parametrize(("given", "field"), [
    ({"recency_days": "-1"}, "recency_days"), ({"frequency": "0"}, "frequency"),
    ({"monetary": "1.234"}, "monetary"), ({"monetary": "NaN"}, "monetary"), ({"frequency": "x"}, "frequency"),
])
def test_a_bad_threshold_is_refused_naming_it(app, given, field):
    with pytest.raises(ValidationError) as refused:
        parse_thresholds(given.get("recency_days"), given.get("frequency"), given.get("monetary"))
    assert refused.value.field == field


@pytest.mark.parametrize(("as_of", "months", "field"), [
    ("2026-13-01", None, "as_of"), ("1999-12-31", None, "as_of"), (None, "0", "months"), (None, "37", "months"),
    (None, "1.5", "months"),
])
def test_a_bad_period_is_refused_naming_it(world, as_of, months, field):
    with pytest.raises(ValidationError) as refused:
        parse_period(world.company, as_of, months)
    assert refused.value.field == field
