"""The ageing of receivables as of any day: what each customer (or salesperson) owed that day, by how long
past due, summed in the database from the open items.

An invoice's open amount on day D is the sum of its open items posted on or before D
(``open_items.open_invoices``); its age is the days from its due date to D. The buckets are
compared as due-date bounds computed here (``due_date >= D - 30``), so the query is one
GROUP BY with a CASE, no date arithmetic in SQL, the same on SQLite and PostgreSQL, and its
cost does not depend on how many invoices a customer has. The buckets in days are the
company's (``buckets.company_buckets``); those in years the same for all (``YEAR_BUCKETS``).
The totals are the receivables on D.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, select, true

from core.errors import ValidationError
from core.extensions import db
from core.models import Customer, User
from core.orders import money
from plugins.billing.receivables.buckets import Bucket, company_buckets
from plugins.billing.receivables.open_items import open_invoices
from plugins.billing.dates import company_today
from plugins.billing.payments.ledger import ZERO

# How far ahead a report may look: ageing as of a day is about what was owed, not a forecast.
FURTHEST_AHEAD = timedelta(days=366)


class GroupBy(enum.StrEnum):
    CUSTOMER = "customer"
    SALESPERSON = "salesperson"  # the user who entered the invoice's order


class View(enum.StrEnum):
    DAYS = "days"  # the company's buckets; by default not yet due, 1-30, 31-60, 61-90, 91-180, over 180 days
    YEARS = "years"  # for the annual close: within a year, 1-2, 2-3, over 3 years past due


YEAR_BUCKETS = (
    Bucket("within_1_year", _l("Within 1 year"), None, 365),
    Bucket("1_2_years", _l("1–2 years"), 366, 730),
    Bucket("2_3_years", _l("2–3 years"), 731, 1095),
    Bucket("over_3_years", _l("Over 3 years"), 1096, None),
)


def buckets_of(company_id: int, view: View) -> tuple[Bucket, ...]:
    """The buckets of ``view``: the company's in days (one query), or the years of the annual close."""
    return company_buckets(company_id) if view == View.DAYS else YEAR_BUCKETS


@dataclass(frozen=True)
class AgeingRow:
    """One customer's (salesperson's) open amounts in one currency, a figure per bucket."""

    key: int | None  # the customer's or salesperson's id; None: no salesperson, or the totals
    name: str
    currency: str
    amounts: tuple[Decimal, ...]
    counts: tuple[int, ...]  # invoices behind each figure

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)

    @property
    def count(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class AgeingReport:
    as_of: date
    group_by: GroupBy
    view: View
    buckets: tuple[Bucket, ...]
    rows: list[AgeingRow]  # the largest total first
    totals: list[AgeingRow]  # one per currency: the receivables on ``as_of``


@dataclass(frozen=True)
class AgeingQuery:
    as_of: date
    group_by: GroupBy
    view: View


def parse_query(company_id: int, as_of: date | str | None, group_by: str | None,
                view: str | None) -> AgeingQuery:
    """The report asked for, checked: ``as_of`` a day (default today in the company's zone) at most a year
    ahead, ``group_by`` customer or salesperson, ``view`` days or years. ValidationError naming the field."""
    today = company_today(company_id)
    if as_of is None or as_of == "":
        day = today
    elif isinstance(as_of, date):
        day = as_of
    else:
        try:
            day = date.fromisoformat(str(as_of).strip())
        except ValueError:
            raise ValidationError(_("as_of must be a date, for example %(example)s", example=today.isoformat()),
                                  field="as_of") from None
    if day > today + FURTHEST_AHEAD:
        raise ValidationError(_("as_of may be at most a year after today (%(today)s)", today=today.isoformat()),
                              field="as_of")
    return AgeingQuery(day, _choice(GroupBy, group_by, GroupBy.CUSTOMER, "group_by"),
                       _choice(View, view, View.DAYS, "view"))


def _choice(kind: type[enum.StrEnum], given: str | None, default: Any, field: str) -> Any:
    if given is None or given == "":
        return default
    try:
        return kind(given)
    except ValueError:
        raise ValidationError(_("%(field)s must be one of: %(values)s", field=field,
                                values=", ".join(member.value for member in kind)), field=field) from None


def bucket_of(due_date: ColumnElement[date], as_of: date, buckets: Sequence[Bucket]) -> ColumnElement[int]:
    """SQL: the index of the bucket an invoice due on ``due_date`` is in on ``as_of``, by due-date bounds."""
    whens = [(due_date >= as_of - timedelta(days=bucket.last), index)
             for index, bucket in enumerate(buckets) if bucket.last is not None]
    return case(*whens, else_=len(buckets) - 1)


def in_bucket(due_date: ColumnElement[date], as_of: date, bucket: Bucket) -> ColumnElement[bool]:
    """SQL: an invoice due on ``due_date`` is in ``bucket`` on ``as_of``."""
    conditions = []
    if bucket.last is not None:
        conditions.append(due_date >= as_of - timedelta(days=bucket.last))
    if bucket.first is not None:
        conditions.append(due_date <= as_of - timedelta(days=bucket.first))
    return and_(true(), *conditions)


def grouped(company_id: int, query: AgeingQuery, buckets: Sequence[Bucket],
            customer_id: int | None = None) -> Select[Any]:
    """SQL: (group key, currency, bucket index, invoices, amount) of the open invoices on ``query.as_of``."""
    owing = open_invoices(company_id, as_of=query.as_of, customer_id=customer_id)
    key = owing.c.customer_id if query.group_by == GroupBy.CUSTOMER else owing.c.salesperson_id
    bucket = bucket_of(owing.c.due_date, query.as_of, buckets).label("bucket")
    return (select(key.label("key"), owing.c.currency, bucket, func.count().label("invoices"),
                   func.sum(owing.c.open).label("amount"))
            .group_by(key, owing.c.currency, bucket))


def ageing(user: User, query: AgeingQuery) -> AgeingReport:
    """The ageing report ``user`` asked for, in four statements whatever the number of invoices: the
    company's buckets, the figures, then the names of the customers (or salespeople) they belong to."""
    buckets = buckets_of(user.company_id, query.view)
    cells: dict[tuple[int | None, str], tuple[list[Decimal], list[int]]] = {}
    for key, currency, bucket, invoices, amount in db.session.execute(
            grouped(user.company_id, query, buckets, user.customer_id)):
        amounts, counts = cells.setdefault((key, currency), ([ZERO] * len(buckets), [0] * len(buckets)))
        amounts[bucket] = money(Decimal(str(amount)))
        counts[bucket] = int(invoices)
    names = _names(query.group_by, {key for key, _currency in cells if key is not None})
    rows = [AgeingRow(key, names.get(key, "") if key is not None else _("No salesperson"), currency,
                      tuple(amounts), tuple(counts))
            for (key, currency), (amounts, counts) in cells.items()]
    rows.sort(key=lambda row: (row.currency, -row.total, row.name, row.key or 0))
    totals = []
    for currency in sorted({row.currency for row in rows}):
        mine = [row for row in rows if row.currency == currency]
        totals.append(AgeingRow(None, _("Total"), currency,
                                tuple(sum((row.amounts[i] for row in mine), ZERO) for i in range(len(buckets))),
                                tuple(sum(row.counts[i] for row in mine) for i in range(len(buckets)))))
    return AgeingReport(query.as_of, query.group_by, query.view, buckets, rows, totals)


def _names(group_by: GroupBy, keys: set[int]) -> dict[int, str]:
    if not keys:
        return {}
    named = Customer if group_by == GroupBy.CUSTOMER else User
    return {key: name for key, name in db.session.execute(select(named.id, named.name).where(named.id.in_(keys)))}
