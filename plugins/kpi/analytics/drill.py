"""The orders behind any figure of the analytics pages: the period's counted orders, narrowed by what the
figure counts (a province and city, a month, a channel, a product, a customer, a segment), as a list."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, exists, select
from werkzeug.datastructures import MultiDict

from core.db import is_id
from core.errors import ValidationError
from core.models import Channel, Company, Customer, Order, OrderLine
from plugins.kpi.analytics.period import Period, parse_period
from plugins.kpi.analytics.rfm import AskedThresholds, Segment, parse_segment, parse_thresholds, per_customer, \
    segment_code, thresholds
from plugins.kpi.analytics.sales import counted

NONE = "-"  # the value of ``province`` or ``city`` that asks for the orders of customers without one


@dataclass(frozen=True)
class Figure:
    """What a figure counts, as its link's query parameters carry it."""

    period: Period
    previous: bool = False
    province: str | None = None
    city: str | None = None
    month: date | None = None
    channel: Channel | None = None
    product: int | None = None
    customer: int | None = None
    segment: Segment | None = None
    asked: AskedThresholds = field(default_factory=AskedThresholds)


def parse_figure(company: Company, args: MultiDict[str, str]) -> Figure:
    """The figure a link names; each bad parameter a ValidationError naming it."""
    period = parse_period(company, args.get("as_of"), args.get("months"))
    previous = (args.get("previous") or "") not in ("", "0")
    month = None
    if args.get("month"):
        try:
            month = date.fromisoformat(f"{args['month'].strip()}-01")
        except ValueError:
            raise ValidationError(_("month must be a month like 2026-03"), field="month") from None
        if month not in period.month_starts():
            raise ValidationError(_("month must be one of the period's months"), field="month")
    channel = None
    if args.get("channel"):
        try:
            channel = Channel(args["channel"].strip())
        except ValueError:
            raise ValidationError(_("channel must be one of: %(values)s", values=", ".join(Channel)),
                                  field="channel") from None
    return Figure(period, previous, _text(args, "province"), _text(args, "city"), month, channel,
                  _id(args, "product"), _id(args, "customer"), parse_segment(args.get("segment")),
                  parse_thresholds(args.get("recency_days"), args.get("frequency"), args.get("monetary")))


def _text(args: MultiDict[str, str], name: str) -> str | None:
    given = args.get(name)
    if given is None or given.strip() == "":
        return None
    if len(given) > 60 or not given.isprintable():
        raise ValidationError(_("%(field)s must be a name of at most 60 characters", field=name), field=name)
    return given.strip()


def _id(args: MultiDict[str, str], name: str) -> int | None:
    given = (args.get(name) or "").strip()
    if not given:
        return None
    if not (given.isascii() and given.isdigit()) or len(given) > 10 or not is_id(int(given)) or int(given) == 0:
        raise ValidationError(_("%(field)s must be the id of a record", field=name), field=name)
    return int(given)


def conditions(company: Company, figure: Figure) -> list[ColumnElement[bool]]:
    """SQL: the orders behind ``figure`` (the order list's source joins the customer)."""
    period = figure.period
    start, end = (period.previous_start, period.start) if figure.previous else (period.start, period.end)
    if figure.month is not None:
        bounds = {month: (first, last) for month, first, last in period.month_bounds()}
        start, end = bounds[figure.month]
    found = [counted(company, start, end)]
    for value, column in ((figure.province, Customer.province), (figure.city, Customer.city)):
        if value == NONE:
            found.append((column.is_(None)) | (column == ""))
        elif value is not None:
            found.append(column == value)
    if figure.channel is not None:
        found.append(Order.channel == figure.channel)
    if figure.product is not None:
        found.append(exists().where(OrderLine.order_id == Order.id, OrderLine.product_id == figure.product))
    if figure.customer is not None:
        found.append(Order.customer_id == figure.customer)
    if figure.segment is not None:
        found.append(Order.customer_id.in_(segment_members(company, period, figure.asked, figure.segment)))
    return found


def segment_members(company: Company, period: Period, asked: AskedThresholds, segment: Segment) -> Any:
    """SQL: the ids of the customers in ``segment`` (the thresholds read now, a few statements)."""
    figures = per_customer(company, period)
    found, count = thresholds(company, period, asked, figures)
    if not count:
        return select(figures.c.customer_id).where(figures.c.customer_id.is_(None))
    return select(figures.c.customer_id).where(segment_code(figures, found) == segment.value)
