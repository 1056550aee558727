"""RFM segmentation: each customer who ordered in the period, high or low on recency (their last order),
frequency (orders) and monetary value (amount) against the company's medians or thresholds given, and the
eight customary segments by their codes (R, F, M in that order: ``HLH`` is recent, seldom, large).

The per-customer figures (one GROUP BY over the period's orders) are read once, in one statement; the
medians (the middle row, as ORDER BY sorts them) and the segments are counted over those rows, one per
customer who ordered, whatever the number of orders. The customers of a segment (its list, the orders behind
it) are chosen in SQL by the same rule (:func:`segment_code`). "High" is at the median or better: a last
order on or after the median's, as many orders as the median or more, as large an amount or larger.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Subquery, case, func, select

from core.errors import ValidationError
from core.extensions import db
from core.models import Company, Order
from plugins.kpi.analytics.period import Period
from plugins.kpi.analytics.sales import ZERO, amount, counted


class Segment(enum.StrEnum):
    """The eight segments by their code: recency, frequency, monetary value, each H(igh) or L(ow)."""

    IMPORTANT_VALUE = "HHH"  # 重要价值客户
    IMPORTANT_DEVELOPMENT = "HLH"  # 重要发展客户
    IMPORTANT_RETENTION = "LHH"  # 重要保持客户
    IMPORTANT_WIN_BACK = "LLH"  # 重要挽留客户
    GENERAL_VALUE = "HHL"  # 一般价值客户
    GENERAL_DEVELOPMENT = "HLL"  # 一般发展客户
    GENERAL_RETENTION = "LHL"  # 一般保持客户
    GENERAL_WIN_BACK = "LLL"  # 一般挽留客户


MAX_FREQUENCY = 1_000_000
MAX_MONETARY = Decimal("999999999999.99")


@dataclass(frozen=True)
class Thresholds:
    """Where high starts on each axis, and whether it is the company's median (True) or was given."""

    recent_since: datetime | None  # a last order at or after this is recent; None: nobody ordered
    frequency: Decimal | None
    monetary: Decimal | None
    recency_days: int | None  # the days before the period's end ``recent_since`` is, as shown
    given: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SegmentFigures:
    segment: Segment
    customers: int
    orders: int
    amount: Decimal


@dataclass(frozen=True)
class RfmReport:
    period: Period
    thresholds: Thresholds
    customers: int
    segments: list[SegmentFigures]  # all eight, in the order of :class:`Segment`


@dataclass(frozen=True)
class AskedThresholds:
    """Thresholds a reader set; None on an axis means the median."""

    recency_days: int | None = None
    frequency: int | None = None
    monetary: Decimal | None = None

    def params(self) -> dict[str, Any]:
        return {key: str(value) for key, value in (("recency_days", self.recency_days),
                                                   ("frequency", self.frequency),
                                                   ("monetary", self.monetary)) if value is not None}


def parse_thresholds(recency_days: Any, frequency: Any, monetary: Any) -> AskedThresholds:
    """Thresholds from query parameters (empty: the median); a ValidationError naming the bad one."""
    days = _whole(recency_days, "recency_days", 0, 36_600)
    times = _whole(frequency, "frequency", 1, MAX_FREQUENCY)
    value = None
    if monetary is not None and str(monetary).strip() != "":
        try:
            value = Decimal(str(monetary).strip())
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite() or value < 0 or value > MAX_MONETARY \
                or value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("monetary must be an amount from 0 to %(most)s with at most two decimals",
                                    most=MAX_MONETARY), field="monetary")
    return AskedThresholds(days, times, value)


def _whole(given: Any, name: str, least: int, most: int) -> int | None:
    if given is None or str(given).strip() == "":
        return None
    text = str(given).strip()
    if not (text.isascii() and text.isdigit()) or not least <= int(text) <= most:
        raise ValidationError(_("%(field)s must be a whole number from %(least)s to %(most)s",
                                field=name, least=least, most=most), field=name)
    return int(text)


def per_customer(company: Company, period: Period) -> Subquery:
    """SQL: one row per customer who ordered in the period: last order, orders, amount."""
    return (select(Order.customer_id.label("customer_id"), func.max(Order.submitted_at).label("last_at"),
                   func.count(Order.id).label("frequency"), func.sum(Order.total).label("monetary"))
            .where(counted(company, period.start, period.end)).group_by(Order.customer_id).subquery("rfm"))


@dataclass(frozen=True)
class CustomerFigures:
    """One customer's row of the period: last order, orders, amount."""

    customer_id: int
    last_at: datetime
    frequency: int
    monetary: Decimal


def customer_rows(figures: Subquery) -> list[CustomerFigures]:
    """The per-customer rows, read once (one row per customer who ordered, however many orders)."""
    return [CustomerFigures(customer_id, last_at, int(frequency), amount(monetary)) for customer_id, last_at,
            frequency, monetary in db.session.execute(select(figures.c.customer_id, figures.c.last_at,
                                                             figures.c.frequency, figures.c.monetary))]


def _middle(values: list[Any]) -> list[Any]:
    """The middle value (two, for an even count) of ``values`` in ascending order, as ORDER BY sorts them."""
    ordered = sorted(values)
    count = len(ordered)
    return ordered[(count - 1) // 2:(count - 1) // 2 + 2 - count % 2]


def thresholds_of(period: Period, asked: AskedThresholds, rows: list[CustomerFigures]) -> Thresholds:
    """The thresholds in force over ``rows``: the medians where none was given."""
    given = frozenset(key for key in asked.params())
    recent_since: datetime | None = None
    frequency: Decimal | None = Decimal(asked.frequency) if asked.frequency is not None else None
    monetary = asked.monetary
    if asked.recency_days is not None:
        recent_since = period.end - timedelta(days=asked.recency_days)
    if rows:
        if recent_since is None:
            last = _middle([row.last_at for row in rows])
            recent_since = last[0] + (last[-1] - last[0]) / 2
        if frequency is None:
            middle = _middle([row.frequency for row in rows])
            frequency = Decimal(sum(middle)) / len(middle)
        if monetary is None:
            middle = _middle([row.monetary for row in rows])
            monetary = amount(sum(middle, ZERO) / len(middle))
    days = asked.recency_days
    if days is None and recent_since is not None:
        days = (period.end - recent_since).days
    return Thresholds(recent_since, frequency, monetary, days, given)


def thresholds(company: Company, period: Period, asked: AskedThresholds, figures: Subquery) -> tuple[Thresholds, int]:
    """The thresholds in force (the medians where none was given) and the number of customers segmented: one
    statement reading the per-customer rows."""
    rows = customer_rows(figures)
    return thresholds_of(period, asked, rows), len(rows)


def code_of(row: CustomerFigures, found: Thresholds) -> str:
    """A customer's segment code, as :func:`segment_code` computes it in SQL."""
    assert found.recent_since is not None and found.frequency is not None and found.monetary is not None
    return "".join("H" if high else "L" for high in (row.last_at >= found.recent_since,
                                                      row.frequency >= found.frequency,
                                                      row.monetary >= found.monetary))


def segment_code(figures: Subquery, found: Thresholds) -> ColumnElement[str]:
    """SQL: a customer row's segment code, ``R || F || M``."""
    def level(condition: ColumnElement[bool]) -> ColumnElement[str]:
        return case((condition, "H"), else_="L")

    assert found.recent_since is not None and found.frequency is not None and found.monetary is not None
    return (level(figures.c.last_at >= found.recent_since) + level(figures.c.frequency >= found.frequency)
            + level(figures.c.monetary >= found.monetary))


def rfm(company: Company, period: Period, asked: AskedThresholds) -> RfmReport:
    """Customers, orders and amount per segment: one statement whatever the data's size (the per-customer rows,
    then the medians and the segments counted over them)."""
    rows = customer_rows(per_customer(company, period))
    found = thresholds_of(period, asked, rows)
    cells: dict[str, tuple[int, int, Decimal]] = {}
    for row in rows:
        customers, orders, sold = cells.get(code := code_of(row, found), (0, 0, ZERO))
        cells[code] = (customers + 1, orders + row.frequency, sold + row.monetary)
    segments = [SegmentFigures(segment, *cells.get(segment.value, (0, 0, ZERO))) for segment in Segment]
    return RfmReport(period, found, len(rows), segments)


def parse_segment(given: str | None) -> Segment | None:
    if given is None or given.strip() == "":
        return None
    try:
        return Segment(given.strip().upper())
    except ValueError:
        raise ValidationError(_("segment must be one of: %(values)s", values=", ".join(Segment)),
                              field="segment") from None
