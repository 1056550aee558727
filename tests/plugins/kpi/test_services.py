"""Counting facts per period, in the company's time zone, and the figures derived from them."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.db import commit
from core.errors import ValidationError
from core.extensions import db
from core.models import utcnow
from plugins.kpi.dashboard import services
from plugins.kpi.facts.models import KpiEventKind
from tests import factories
from tests.core.test_queries import statements
from tests.plugins.kpi.conftest import record, submit_order

K = KpiEventKind
UTC = timezone.utc


def test_every_kind_is_counted_and_kinds_without_facts_count_zero(world):
    submit_order(world)
    submit_order(world)

    summary = services.counts(world.company.id)

    assert summary.counts == {**{kind: 0 for kind in K}, K.SUBMITTED: 2, K.APPROVED: 2}


def test_days_are_counted_in_the_company_time_zone(world):
    order = submit_order(world)
    # 23:59 on 1 March in Shanghai, and one minute later, already 2 March there.
    record(order, K.SHIPPED, at=datetime(2026, 3, 1, 15, 59, tzinfo=UTC))
    record(order, K.DELIVERED, at=datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    commit()

    first = services.counts(world.company.id, date(2026, 3, 1), date(2026, 3, 1))
    second = services.counts(world.company.id, date(2026, 3, 2), date(2026, 3, 2))
    both = services.counts(world.company.id, date(2026, 3, 1), date(2026, 3, 2))

    assert (first.counts[K.SHIPPED], first.counts[K.DELIVERED]) == (1, 0)
    assert (second.counts[K.SHIPPED], second.counts[K.DELIVERED]) == (0, 1)
    assert (both.counts[K.SHIPPED], both.counts[K.DELIVERED]) == (1, 1)
    assert both.counts[K.SUBMITTED] == 0  # submitted today, outside March 2026


def test_the_default_period_is_the_last_thirty_days_ending_today(world):
    order = submit_order(world)
    record(order, K.SHIPPED, at=utcnow() - timedelta(days=29, hours=-1))
    record(order, K.DELIVERED, at=utcnow() - timedelta(days=31))
    commit()

    summary = services.counts(world.company.id)

    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert (summary.date_from, summary.date_to) == (today - timedelta(days=29), today)
    assert summary.counts[K.SHIPPED] == 1
    assert summary.counts[K.DELIVERED] == 0


def test_a_period_that_ends_before_it_starts_is_refused_naming_date_from(world):
    with pytest.raises(ValidationError) as refused:
        services.counts(world.company.id, date(2026, 3, 2), date(2026, 3, 1))
    assert refused.value.field == "date_from"


def test_approval_rate_decision_time_and_collected_amount(world):
    day = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    order = submit_order(world)
    for kind, hours in ((K.APPROVED, 2), (K.APPROVED, 4), (K.APPROVED, 6), (K.REJECTED, 8)):
        fact = record(order, kind, at=day)
        fact.hours_since_submission = Decimal(hours)
    record(order, K.PAID, Decimal("300.50"), at=day)
    record(order, K.PAID, Decimal("1055.50"), at=day)
    commit()

    summary = services.counts(world.company.id, date(2026, 3, 10), date(2026, 3, 10))

    assert summary.approval_rate == Decimal("0.7500")
    assert summary.average_decision_hours == Decimal("5.00")
    assert summary.collected == Decimal("1356.00")


def test_what_was_collected_is_net_of_payments_reversed_in_the_period_and_per_bucket(world):
    order = submit_order(world)
    record(order, K.PAID, Decimal("1000.00"), at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    record(order, K.PAID, Decimal("356.00"), at=datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    record(order, K.PAYMENT_REVERSED, Decimal("356.00"), at=datetime(2026, 3, 12, 2, 0, tzinfo=UTC))
    commit()

    assert services.counts(world.company.id, date(2026, 3, 10), date(2026, 3, 12)).collected == Decimal("1000.00")
    # A reversal counts in the period it happened: the day of the payment alone still shows it collected.
    assert services.counts(world.company.id, date(2026, 3, 10), date(2026, 3, 10)).collected == Decimal("1356.00")
    timeline = services.over_time(world.company.id, date(2026, 3, 10), date(2026, 3, 12))
    assert [bucket.collected for bucket in timeline.buckets] == [
        Decimal("1356.00"), Decimal("0.00"), Decimal("-356.00")]


def test_a_period_without_decisions_has_no_rate_and_nothing_collected(world):
    submit_order(world)

    summary = services.counts(world.company.id, date(2020, 1, 1), date(2020, 1, 31))

    assert summary.approval_rate is None
    assert summary.average_decision_hours is None
    assert summary.collected == Decimal("0.00")


def test_another_company_facts_are_not_counted(world, app):
    other = factories.build_world(app, code="XYZ")
    submit_order(other)
    submit_order(world)

    assert services.counts(world.company.id).counts[K.SUBMITTED] == 1
    assert services.counts(other.company.id).counts[K.SUBMITTED] == 1


def test_the_facts_over_time_are_counted_per_day_of_the_company_zone(app, world):
    """A fact at 23:30 UTC counts on the next day in Shanghai; empty days between facts stay in."""
    order = submit_order(world)
    record(order, KpiEventKind.SUBMITTED, at=datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc))
    record(order, KpiEventKind.PAID, Decimal("10.50"), at=datetime(2026, 3, 4, 1, 0, tzinfo=timezone.utc))
    record(order, KpiEventKind.PAID, Decimal("5.25"), at=datetime(2026, 3, 4, 2, 0, tzinfo=timezone.utc))
    commit()

    timeline = services.over_time(world.company.id, date(2026, 3, 1), date(2026, 3, 31))

    assert timeline.granularity == services.Granularity.DAY
    assert [bucket.start for bucket in timeline.buckets] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert [bucket.counts[KpiEventKind.SUBMITTED] for bucket in timeline.buckets] == [1, 0, 0]
    assert [bucket.collected for bucket in timeline.buckets] == [Decimal("0.00"), Decimal("0.00"), Decimal("15.75")]
    total = services.counts(world.company.id, date(2026, 3, 1), date(2026, 3, 31))
    assert sum(bucket.counts[KpiEventKind.PAID] for bucket in timeline.buckets) == total.counts[KpiEventKind.PAID]


def test_long_periods_are_counted_per_month_and_per_year(app, world):
    order = submit_order(world)  # submitted today, 2026 or later
    for day in (date(2025, 11, 20), date(2026, 2, 3)):
        record(order, KpiEventKind.SUBMITTED, at=datetime.combine(day, time(6), tzinfo=timezone.utc))
    commit()

    months = services.over_time(world.company.id, date(2025, 6, 1), date(2026, 5, 31))
    years = services.over_time(world.company.id, date(2000, 1, 1), date(2030, 12, 31))

    assert months.granularity == services.Granularity.MONTH
    assert [(b.start, b.counts[KpiEventKind.SUBMITTED]) for b in months.buckets] == [
        (date(2025, 11, 1), 1), (date(2025, 12, 1), 0), (date(2026, 1, 1), 0), (date(2026, 2, 1), 1)]
    assert years.granularity == services.Granularity.YEAR
    today = utcnow().date()
    assert [(b.start, b.counts[KpiEventKind.SUBMITTED]) for b in years.buckets][:2] == [
        (date(2025, 1, 1), 1), (date(2026, 1, 1), 2 if today.year == 2026 else 1)]
    assert services.over_time(world.company.id, date(1990, 1, 1), date(1990, 1, 31)).buckets == []


def test_the_facts_over_time_are_counted_in_one_statement_however_many_there_are(app, world):
    """The charts' buckets are counted in the database: one statement, and rows per bucket and kind, for 3 facts
    and for 300 (a busy month read 138,000 facts into Python at 100,000 orders)."""
    order = submit_order(world)

    def read() -> tuple[int, int, int]:
        with statements(db.engine) as seen:
            timeline = services.over_time(world.company.id, date(2026, 3, 1), date(2026, 3, 31))
        counted = services.counts(world.company.id, date(2026, 3, 1), date(2026, 3, 31)).counts[K.SUBMITTED]
        return len(seen), sum(bucket.counts[K.SUBMITTED] for bucket in timeline.buckets), counted

    for n in range(3):
        record(order, K.SUBMITTED, at=datetime(2026, 3, 1 + n, 6, 0, tzinfo=UTC))
    commit()
    few = read()
    for n in range(297):
        record(order, K.SUBMITTED, at=datetime(2026, 3, 1 + n % 31, n % 24, 0, tzinfo=UTC))
    commit()
    many = read()

    assert few[0] == many[0] <= 2  # the company's zone, then the facts
    assert few[1:] == (3, 3)
    assert many[1] == many[2] > 290  # as many as ``counts`` finds in the month (late facts of the 31st are April's)


def test_the_dashboard_counts_its_cards_and_its_charts_in_one_statement(app, world):
    """The period's figures are the buckets' added up: what ``counts`` finds, from the statement that counts the
    charts (the page counted a busy month's 138,000 facts twice)."""
    day = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    order = submit_order(world)
    for n, (kind, hours) in enumerate(((K.APPROVED, 2), (K.APPROVED, 4), (K.REJECTED, 9), (K.SENT_BACK, None))):
        fact = record(order, kind, at=day + timedelta(days=n))
        fact.hours_since_submission = None if hours is None else Decimal(hours)
    record(order, K.PAID, Decimal("300.50"), at=day)
    record(order, K.PAID, Decimal("1055.50"), at=day + timedelta(days=3))
    record(order, K.PAYMENT_REVERSED, Decimal("300.50"), at=day + timedelta(days=5))
    commit()

    with statements(db.engine) as seen:
        summary, timeline = services.dashboard(world.company.id, date(2026, 3, 1), date(2026, 3, 31))

    assert len(seen) == 2  # the company's zone, then the facts
    assert summary == services.counts(world.company.id, date(2026, 3, 1), date(2026, 3, 31))
    assert timeline == services.over_time(world.company.id, date(2026, 3, 1), date(2026, 3, 31))
    assert summary.counts[K.APPROVED] == 2 and summary.decided == 4
    assert summary.average_decision_hours == Decimal("5.00")  # (2 + 4 + 9) / 3: the one sent back had no time
    assert summary.collected == Decimal("1055.50")
    assert [bucket.collected for bucket in timeline.buckets] == [
        Decimal("300.50"), *[Decimal("0.00")] * 2, Decimal("1055.50"), Decimal("0.00"), Decimal("-300.50")]
