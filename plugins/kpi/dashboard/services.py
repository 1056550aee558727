"""Counting stage events per period: the dashboard's tiles and charts.

Every stage event of an order is one :class:`KpiEvent` row (``plugins.kpi.facts``). Figures are counted from those rows
over whole days in the company's own time zone, so "today" means the same day
to the user and to the numbers.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from core.errors import ValidationError
from core.extensions import db
from core.models import Company, utcnow
from plugins.kpi.facts.models import DECISION_KINDS, KpiEvent, KpiEventKind

DEFAULT_PERIOD_DAYS = 30
# Periods stay inside what datetime can shift across time zones and a day boundary.
EARLIEST = date(1970, 1, 1)
LATEST = date(9999, 12, 30)
HOURS_PLACES = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")

# What was collected, net: payments confirmed, less what reversals took back (in the period of each).
COLLECTED_SIGN = {KpiEventKind.PAID: 1, KpiEventKind.PAYMENT_REVERSED: -1}


# --- counting ---------------------------------------------------------------


@dataclass(frozen=True)
class KpiSummary:
    """The figures of one company over whole days ``date_from`` to ``date_to``, both included."""

    date_from: date
    date_to: date
    counts: dict[KpiEventKind, int]
    approval_rate: Decimal | None  # approved / decided; None when nothing was decided
    average_decision_hours: Decimal | None  # submission to decision; None when nothing was decided
    collected: Decimal  # sum of confirmed payments less those reversed

    @property
    def decided(self) -> int:
        return sum(self.counts[kind] for kind in DECISION_KINDS)


def company_zone(company_id: int) -> ZoneInfo:
    return db.session.get_one(Company, company_id).zone


def period(company_id: int, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """Fill in a missing end (today, in the company's zone) and start (30 days up to the end)."""
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError(
                _("%(field)s must lie between %(earliest)s and %(latest)s",
                  field=name, earliest=EARLIEST.isoformat(), latest=LATEST.isoformat()), field=name)
    if date_to is None:
        date_to = utcnow().astimezone(company_zone(company_id)).date()
    if date_from is None:
        date_from = max(date_to - timedelta(days=DEFAULT_PERIOD_DAYS - 1), EARLIEST)
    if date_from > date_to:
        raise ValidationError(
            _("the period must start on or before its end (%(end)s)", end=date_to.isoformat()), field="date_from"
        )
    return date_from, date_to


def counts(company_id: int, date_from: date | None = None, date_to: date | None = None) -> KpiSummary:
    """Count the company's facts per kind over the period, with the figures derived from them."""
    date_from, date_to = period(company_id, date_from, date_to)
    zone = company_zone(company_id)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    rows = db.session.execute(
        select(
            KpiEvent.event,
            func.count(KpiEvent.id),
            func.sum(KpiEvent.amount),
            func.sum(KpiEvent.hours_since_submission),
            func.count(KpiEvent.hours_since_submission),
        )
        .where(KpiEvent.company_id == company_id, KpiEvent.at >= start, KpiEvent.at < end)
        .group_by(KpiEvent.event)
    ).all()
    return _summary(date_from, date_to, rows)


def _summary(date_from: date, date_to: date, rows: Iterable[Sequence[Any]]) -> KpiSummary:
    """The period's figures from its facts counted per kind, ``(kind, count, amount, hours, timed)`` rows; a kind
    may come in several rows (one per bucket of the charts), which add up."""
    per_kind = {kind: 0 for kind in KpiEventKind}
    collected = ZERO
    decision_hours, timed_decisions = Decimal(0), 0
    for kind, count, amount, hours, timed in rows:
        per_kind[kind] += count
        if kind in COLLECTED_SIGN and amount is not None:
            collected += COLLECTED_SIGN[kind] * Decimal(amount)
        if kind in DECISION_KINDS and hours is not None:
            decision_hours += Decimal(hours)
            timed_decisions += timed

    decided = sum(per_kind[kind] for kind in DECISION_KINDS)
    approval_rate = (
        (Decimal(per_kind[KpiEventKind.APPROVED]) / decided).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        if decided else None
    )
    average_hours = (
        (decision_hours / timed_decisions).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)
        if timed_decisions else None
    )
    return KpiSummary(date_from, date_to, per_kind, approval_rate, average_hours,
                      collected.quantize(ZERO, rounding=ROUND_HALF_UP))


# --- over time --------------------------------------------------------------


class Granularity(enum.StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Bucket:
    """The facts of one day, month or year of the period, in the company's zone."""

    start: date
    counts: dict[KpiEventKind, int]
    collected: Decimal  # confirmed payments less those reversed


@dataclass(frozen=True)
class KpiTimeline:
    granularity: Granularity
    buckets: list[Bucket]  # from the first bucket with a fact to the last, none left out between


def granularity_of(date_from: date, date_to: date) -> Granularity:
    """Days up to two months, months up to five years, years beyond: a chart stays readable."""
    days = (date_to - date_from).days + 1
    if days <= 62:
        return Granularity.DAY
    return Granularity.MONTH if days <= 5 * 366 else Granularity.YEAR


def _bucket_start(day: date, granularity: Granularity) -> date:
    if granularity == Granularity.DAY:
        return day
    return day.replace(day=1) if granularity == Granularity.MONTH else day.replace(month=1, day=1)


def _next_bucket(start: date, granularity: Granularity) -> date:
    if granularity == Granularity.DAY:
        return start + timedelta(days=1)
    if granularity == Granularity.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def over_time(company_id: int, date_from: date | None = None, date_to: date | None = None) -> KpiTimeline:
    """The same facts as ``counts``, per day, month or year of the period (the dashboard's charts)."""
    return dashboard(company_id, date_from, date_to)[1]


def dashboard(company_id: int, date_from: date | None = None,
              date_to: date | None = None) -> tuple[KpiSummary, KpiTimeline]:
    """The dashboard's figures of the period (``counts``) and the same facts per day, month or year of it (its
    charts), from one query: the page counted the period's facts twice, once for its cards and once per bucket.

    The facts are counted in the database, per bucket and kind: each
    bucket is the span between two moments, the starts of its day, month or year in
    the company's zone, so a day means the same here as in ``counts`` (and a day of
    a change of clocks has its own length); the period's figures are the buckets' added up. The buckets run
    from the first one holding a fact to the last, every one between included even when empty. The
    query's cost grows with the buckets (at most a few dozen), not with the facts.
    """
    date_from, date_to = period(company_id, date_from, date_to)
    zone = company_zone(company_id)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    granularity = granularity_of(date_from, date_to)
    starts = [_bucket_start(date_from, granularity)]
    while (following := _next_bucket(starts[-1], granularity)) <= date_to:
        starts.append(following)
    # Bucket n holds the facts before the start of bucket n + 1; the last, the rest of the period.
    bucket = case(*((KpiEvent.at < datetime.combine(following, time.min, tzinfo=zone), number)
                    for number, following in enumerate(starts[1:])), else_=len(starts) - 1)
    facts = (select(bucket.label("bucket"), KpiEvent.event.label("event"), KpiEvent.amount.label("amount"),
                    KpiEvent.hours_since_submission.label("hours"))
             .where(KpiEvent.company_id == company_id, KpiEvent.at >= start, KpiEvent.at < end).subquery())
    rows = db.session.execute(
        select(facts.c.bucket, facts.c.event, func.count(), func.sum(facts.c.amount), func.sum(facts.c.hours),
               func.count(facts.c.hours))
        .group_by(facts.c.bucket, facts.c.event)
    ).all()
    summary = _summary(date_from, date_to, (row[1:] for row in rows))
    per_bucket: dict[date, tuple[dict[KpiEventKind, int], Decimal]] = {}
    for number, kind, count, amount, _hours, _timed in rows:
        kinds, paid = per_bucket.setdefault(starts[number], ({k: 0 for k in KpiEventKind}, ZERO))
        kinds[kind] += count
        if kind in COLLECTED_SIGN and amount is not None:
            per_bucket[starts[number]] = kinds, paid + COLLECTED_SIGN[kind] * Decimal(amount)
    buckets: list[Bucket] = []
    if per_bucket:
        day, last = min(per_bucket), max(per_bucket)
        while day <= last:
            kinds, paid = per_bucket.get(day, ({k: 0 for k in KpiEventKind}, ZERO))
            buckets.append(Bucket(day, kinds, paid.quantize(ZERO, rounding=ROUND_HALF_UP)))
            day = _next_bucket(day, granularity)
    return summary, KpiTimeline(granularity, buckets)
