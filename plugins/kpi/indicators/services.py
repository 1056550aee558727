"""The procedure's four indicators, each one aggregate query over kpi's indexed fact tables.

- **Order processing timeliness rate** (订单处理及时率) = stage tasks done on time / stage tasks done with a
  limit, over the tasks done in the period (intake: receipt to submission within the company's limit; each
  review step: opening to decision within the step's limit; each execution task: from when it could be worked
  to its completion, by its due time; each problem case: opening to resolution within its limit). Per
  department, person or kind of stage work.
- **Order accuracy rate** (订单准确率) = delivered orders with no correction after submission, no refused or
  reserved line at acceptance and no problem case (opened before or after the delivery) / delivered orders,
  over the orders delivered in the period. Per customer or salesperson.
- **Customer satisfaction** (客户满意度) = the average acceptance rating (1 to 5) and the share of ratings of 4
  or 5, over the ratings given on deliveries in the period. Per customer or salesperson.
- **Collection rate** (收款回收率) = amount collected in the period (payments less reversals) / amount falling
  due in the period; **days sales outstanding** = (due up to the period's end - collected up to its end) /
  due in the period x days in the period. Per customer or salesperson.

Each figure is computed in the database by one ``GROUP BY`` query, whatever the number of facts: the
statements stay the same for a hundred orders and for a million. Names of people and customers come from
the core's tables, joined in the same query. The ``*_over`` functions compute an indicator for several
consecutive periods (a scorecard's trend) in that same one query, its facts grouped by the period they fall
in as well; the single-period functions are their one-period case.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (ColumnElement, CompoundSelect, Select, String, and_, bindparam, case, func, literal,
                        literal_column, null, select, type_coerce, union_all)

from core.extensions import db
from core.models import Customer, User
from plugins.kpi.dashboard.services import company_zone, period
from plugins.kpi.facts.collection import CollectionKind, KpiCollection
from plugins.kpi.facts.models import KpiMoney, KpiOrder, KpiTask, MoneyKind

RATE_PLACES = Decimal("0.0001")
RATING_PLACES = Decimal("0.01")
DAYS_PLACES = Decimal("0.1")
CENTS = Decimal("0.01")
HIGH_RATING = 4  # ratings of 4 and 5 count as satisfied


class Indicator(enum.StrEnum):
    TIMELINESS = "timeliness"
    ACCURACY = "accuracy"
    SATISFACTION = "satisfaction"
    COLLECTION = "collection"


class Dimension(enum.StrEnum):
    """What an indicator is broken down by."""

    COMPANY = "company"  # one figure for the whole company
    DEPARTMENT = "department"
    PERSON = "person"  # who did the task
    CUSTOMER = "customer"
    SALESPERSON = "salesperson"  # who entered the order
    STAGE = "stage"  # the kind of stage work: intake, review, execution, problem case


# The breakdowns each indicator has: tasks have a department and a person, orders a customer and a salesperson.
DIMENSIONS: dict[Indicator, tuple[Dimension, ...]] = {
    Indicator.TIMELINESS: (Dimension.COMPANY, Dimension.DEPARTMENT, Dimension.PERSON, Dimension.STAGE),
    Indicator.ACCURACY: (Dimension.COMPANY, Dimension.CUSTOMER, Dimension.SALESPERSON),
    Indicator.SATISFACTION: (Dimension.COMPANY, Dimension.CUSTOMER, Dimension.SALESPERSON),
    Indicator.COLLECTION: (Dimension.COMPANY, Dimension.CUSTOMER, Dimension.SALESPERSON),
}


@dataclass(frozen=True)
class Period:
    """Whole days ``date_from`` to ``date_to`` in the company's zone, as the moments ``start`` to ``end``."""

    date_from: date
    date_to: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def period_of(company_id: int, date_from: date | None = None, date_to: date | None = None) -> Period:
    """The period asked for (a missing end is today; a missing start, 30 days before), checked."""
    date_from, date_to = period(company_id, date_from, date_to)
    zone = company_zone(company_id)
    return Period(date_from, date_to, datetime.combine(date_from, time.min, tzinfo=zone),
                  datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone))


def ratio(part: Decimal | int, whole: Decimal | int, places: Decimal = RATE_PLACES) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP) if whole else None


@dataclass(frozen=True)
class Key:
    """Who or what a figure is of: a department's or stage's code, a person's or customer's id and name; all
    None for the company."""

    id: int | None = None
    code: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Timeliness:
    key: Key
    done: int  # tasks done in the period
    timed: int  # of which had a limit
    on_time: int  # of which were done within it

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.on_time, self.timed)


@dataclass(frozen=True)
class Accuracy:
    key: Key
    delivered: int
    accurate: int

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.accurate, self.delivered)


@dataclass(frozen=True)
class Satisfaction:
    key: Key
    rated: int
    rating_sum: int
    high: int  # ratings of 4 or 5

    @property
    def average(self) -> Decimal | None:
        return ratio(self.rating_sum, self.rated, RATING_PLACES)

    @property
    def high_share(self) -> Decimal | None:
        return ratio(self.high, self.rated)


@dataclass(frozen=True)
class Collection:
    key: Key
    due: Decimal  # falling due in the period
    collected: Decimal  # collected in the period, net of reversals
    outstanding: Decimal | None  # due up to the period's end less collected up to it; None: not asked for
    days: int  # the period's length

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.collected, self.due)

    @property
    def dso(self) -> Decimal | None:
        """Days sales outstanding: what is still owed at the end, in days of the period's sales."""
        if self.outstanding is None or self.due <= 0:
            return None
        return ratio(self.outstanding * self.days, self.due, DAYS_PLACES)


Figure = Timeliness | Accuracy | Satisfaction | Collection


class DimensionError(ValueError):
    """An indicator asked for by a dimension it has no breakdown for."""


def _keyed(by: Dimension, department: Any, person: Any, customer: Any, salesperson: Any,
           only: str | None, stage: Any = None) -> tuple[list[Any], list[Any], Any, ColumnElement[bool] | None]:
    """The key columns of a breakdown, what to group by, the join that names them (or None), and the
    condition keeping one key's facts (``only``: the name of the parameter that gives a department's or
    stage's code or an id), if asked. The one key kept is not named: its asker knows whom it asked for, and
    joining the names cost the scorecard a third of its time."""
    column = {Dimension.DEPARTMENT: department, Dimension.PERSON: person, Dimension.CUSTOMER: customer,
              Dimension.SALESPERSON: salesperson, Dimension.STAGE: stage}.get(by)
    condition = None if only is None or column is None else column == bindparam(only)
    if by == Dimension.COMPANY:
        return [literal(None), literal(None), literal(None)], [], None, condition
    if condition is not None and by not in (Dimension.DEPARTMENT, Dimension.STAGE):
        return [column, literal(None), literal(None)], [column], None, condition
    if by in (Dimension.DEPARTMENT, Dimension.STAGE):
        return [literal(None), column, literal(None)], [column], None, condition
    if by in (Dimension.PERSON, Dimension.SALESPERSON):
        return [column, literal(None), User.name], [column, User.name], (User, User.id == column), condition
    return ([customer, Customer.code, Customer.name], [customer, Customer.code, Customer.name],
            (Customer, Customer.id == customer), condition)


def _grouped(columns: list[Any], keyed: tuple[list[Any], list[Any], Any, ColumnElement[bool] | None], source: Any,
             where: ColumnElement[bool], bucket: Any) -> Select[Any]:
    """The query of a breakdown, its rows ``(period index, key..., figures...)``."""
    keys, group, join, only = keyed
    query = select(bucket, *keys, *columns).select_from(source)
    if join is not None:
        query = query.outerjoin(*join)
    return query.where(where if only is None else and_(where, only)).group_by(
        *([] if bucket is ONE_PERIOD else [bucket]), *group)


ONE_PERIOD: ColumnElement[int] = literal_column("0")  # the facts of one period need no grouping by it

# The queries are built once per shape (indicator, breakdown, number of periods, whether one key is kept) and
# reused: what varies from call to call (the company, the periods' bounds, the key kept) are named parameters,
# given when the query runs (:func:`_values`). Building the expressions anew each time cost more than the
# database took to answer a scorecard.
COMPANY, START = "company", "start"


def _end(index: int) -> str:
    return f"end{index}"


def _only(place: int) -> str:
    return f"only{place}"


def _bucket(moment: Any, periods: int, before: bool = False) -> Any:
    """The index of the period a fact's moment falls in (the facts are those from the first period's start,
    or, ``before``, -1 for those before it, to the last's end)."""
    if periods == 1 and not before:
        return ONE_PERIOD
    return case(*([(moment < bindparam(START), literal_column("-1"))] if before else []),
                *((moment < bindparam(_end(index)), literal_column(str(index))) for index in range(periods)),
                else_=literal_column(str(periods)))


def _values(company_id: int, spans: Sequence[Period], only: Sequence[int | str | None] = ()) -> dict[str, Any]:
    """The parameters of a query over ``spans``: the company, the first period's start, each period's end, and
    the key each part keeps (``only``, by its place)."""
    if any(earlier.end != later.start for earlier, later in zip(spans, spans[1:], strict=False)):
        raise ValueError("the periods of a trend follow one another")
    values: dict[str, Any] = {COMPANY: company_id, START: spans[0].start}
    values.update((_end(index), span.end) for index, span in enumerate(spans))
    values.update((_only(place), key) for place, key in enumerate(only) if key is not None)
    return values


def _per_period(spans: Sequence[Period]) -> list[list[Any]]:
    return [[] for _span in spans]


def _check(indicator: Indicator, by: Dimension) -> None:
    if by not in DIMENSIONS[indicator]:
        raise DimensionError(f"{indicator.value} is not broken down by {by.value}")


def _run(indicator: Indicator, company_id: int, spans: Sequence[Period], by: Dimension, only: int | str | None,
         outstanding: bool = True) -> list[list[Any]]:
    """One indicator's figures over the consecutive periods: its query (built once for its shape) run."""
    build, figures_of = PARTS[indicator]
    query = build(len(spans), by, None if only is None else _only(0), outstanding)
    return figures_of(db.session.execute(query, _values(company_id, spans, (only,))), spans, outstanding)


def timeliness(company_id: int, span: Period, by: Dimension = Dimension.COMPANY,
               only: int | str | None = None) -> list[Timeliness]:
    """Tasks done in the period (intake, review steps, execution tasks, problem cases), on time over those with a
    limit."""
    return timeliness_over(company_id, [span], by, only)[0]


def timeliness_over(company_id: int, spans: Sequence[Period], by: Dimension = Dimension.COMPANY,
                    only: int | str | None = None) -> list[list[Timeliness]]:
    return _run(Indicator.TIMELINESS, company_id, spans, by, only)


@cache
def _timeliness_query(periods: int, by: Dimension, only: str | None, outstanding: bool = True) -> Select[Any]:
    _check(Indicator.TIMELINESS, by)
    keyed = _keyed(by, KpiTask.department, KpiTask.person_id, None, None, only,
                   stage=type_coerce(KpiTask.stage, String))
    return _grouped(
        [func.count(), func.count(KpiTask.on_time),
         func.coalesce(func.sum(case((KpiTask.on_time.is_(True), 1), else_=0)), 0)],
        keyed, KpiTask,
        and_(KpiTask.company_id == bindparam(COMPANY), KpiTask.done_at >= bindparam(START),
             KpiTask.done_at < bindparam(_end(periods - 1))),
        _bucket(KpiTask.done_at, periods))


def _timeliness_figures(rows: Iterable[Any], spans: Sequence[Period], outstanding: bool = True
                        ) -> list[list[Timeliness]]:
    found = _per_period(spans)
    for index, id_, code, name, done, timed, on_time, *_padding in rows:
        if done:
            found[index].append(Timeliness(Key(id_, code, name), int(done), int(timed), int(on_time)))
    return found


def accuracy(company_id: int, span: Period, by: Dimension = Dimension.COMPANY,
             only: int | str | None = None) -> list[Accuracy]:
    """Orders delivered in the period, accurate (no correction, refused or reserved line, or problem case) over
    all."""
    return accuracy_over(company_id, [span], by, only)[0]


def accuracy_over(company_id: int, spans: Sequence[Period], by: Dimension = Dimension.COMPANY,
                  only: int | str | None = None) -> list[list[Accuracy]]:
    return _run(Indicator.ACCURACY, company_id, spans, by, only)


@cache
def _accuracy_query(periods: int, by: Dimension, only: str | None, outstanding: bool = True) -> Select[Any]:
    _check(Indicator.ACCURACY, by)
    keyed = _keyed(by, None, None, KpiOrder.customer_id, KpiOrder.salesperson_id, only)
    return _grouped(
        [func.count(), func.coalesce(func.sum(case((KpiOrder.accurate.is_(True), 1), else_=0)), 0)], keyed, KpiOrder,
        and_(KpiOrder.company_id == bindparam(COMPANY), KpiOrder.delivered_at >= bindparam(START),
             KpiOrder.delivered_at < bindparam(_end(periods - 1))),
        _bucket(KpiOrder.delivered_at, periods))


def _accuracy_figures(rows: Iterable[Any], spans: Sequence[Period], outstanding: bool = True) -> list[list[Accuracy]]:
    found = _per_period(spans)
    for index, id_, code, name, delivered, accurate, *_padding in rows:
        if delivered:
            found[index].append(Accuracy(Key(id_, code, name), int(delivered), int(accurate)))
    return found


def satisfaction(company_id: int, span: Period, by: Dimension = Dimension.COMPANY,
                 only: int | str | None = None) -> list[Satisfaction]:
    """Ratings given on deliveries in the period: their average and the share of 4 and 5."""
    return satisfaction_over(company_id, [span], by, only)[0]


def satisfaction_over(company_id: int, spans: Sequence[Period], by: Dimension = Dimension.COMPANY,
                      only: int | str | None = None) -> list[list[Satisfaction]]:
    return _run(Indicator.SATISFACTION, company_id, spans, by, only)


@cache
def _satisfaction_query(periods: int, by: Dimension, only: str | None, outstanding: bool = True) -> Select[Any]:
    _check(Indicator.SATISFACTION, by)
    keyed = _keyed(by, None, None, KpiOrder.customer_id, KpiOrder.salesperson_id, only)
    return _grouped(
        [func.count(), func.coalesce(func.sum(KpiOrder.rating), 0),
         func.coalesce(func.sum(case((KpiOrder.rating >= HIGH_RATING, 1), else_=0)), 0)], keyed, KpiOrder,
        and_(KpiOrder.company_id == bindparam(COMPANY), KpiOrder.rating.is_not(None),
             KpiOrder.delivered_at >= bindparam(START), KpiOrder.delivered_at < bindparam(_end(periods - 1))),
        _bucket(KpiOrder.delivered_at, periods))


def _satisfaction_figures(rows: Iterable[Any], spans: Sequence[Period], outstanding: bool = True
                          ) -> list[list[Satisfaction]]:
    found = _per_period(spans)
    for index, id_, code, name, rated, total, high, *_padding in rows:
        if rated:
            found[index].append(Satisfaction(Key(id_, code, name), int(rated), int(total), int(high)))
    return found


def collection(company_id: int, span: Period, by: Dimension = Dimension.COMPANY,
               only: int | str | None = None) -> list[Collection]:
    """Money due and collected in the period, and what is outstanding at its end."""
    return collection_over(company_id, [span], by, only)[0]


def collection_over(company_id: int, spans: Sequence[Period], by: Dimension = Dimension.COMPANY,
                    only: int | str | None = None, outstanding: bool = True) -> list[list[Collection]]:
    """Each period's figures from the money due and collected in each, and in all the periods before (the
    outstanding at a period's end is all due up to it less all collected up to it). Without ``outstanding``
    (the rates alone) only the periods' money is read, and the figures' outstanding is None."""
    return _run(Indicator.COLLECTION, company_id, spans, by, only, outstanding)


@cache
def _collection_query(periods: int, by: Dimension, only: str | None, outstanding: bool = True) -> Select[Any]:
    _check(Indicator.COLLECTION, by)
    keyed = _keyed(by, None, None, KpiMoney.customer_id, KpiMoney.salesperson_id, only)
    due, collected = KpiMoney.kind == MoneyKind.DUE, KpiMoney.kind == MoneyKind.COLLECTED

    def total(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, KpiMoney.amount), else_=0)), 0)

    where = and_(KpiMoney.company_id == bindparam(COMPANY), KpiMoney.at < bindparam(_end(periods - 1)))
    return _grouped([total(due), total(collected)], keyed, KpiMoney,
                    where if outstanding else and_(where, KpiMoney.at >= bindparam(START)),
                    _bucket(KpiMoney.at, periods, before=outstanding))


def _collection_figures(rows: Iterable[Any], spans: Sequence[Period], outstanding: bool = True
                        ) -> list[list[Collection]]:
    sums: dict[Key, dict[int, tuple[Any, Any]]] = {}
    for index, id_, code, name, due_in, collected_in, *_padding in rows:
        sums.setdefault(Key(id_, code, name), {})[index] = (due_in, collected_in)
    found = _per_period(spans)
    for key, by_period in sums.items():
        due_all, collected_all = by_period.get(-1, (0, 0))
        for index, span in enumerate(spans):
            due_now, collected_now = by_period.get(index, (0, 0))
            due_all = Decimal(due_all) + Decimal(due_now)
            collected_all = Decimal(collected_all) + Decimal(collected_now)
            figure = Collection(key, _cents(due_now), _cents(collected_now),
                                _cents(due_all) - _cents(collected_all) if outstanding else None, span.days)
            if figure.due or figure.collected or figure.outstanding:
                found[index].append(figure)
    return found


def _cents(value: Any) -> Decimal:
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


# The breakdowns of collection that show what collecting took beside the rates (``facts.collection``).
CHASED_BY = {Dimension.CUSTOMER: KpiCollection.customer_id, Dimension.SALESPERSON: KpiCollection.salesperson_id}


@dataclass(frozen=True)
class Chased:
    """Beside a customer's or salesperson's collection rate: the dunning notices sent in the period (for the
    customer, or for the orders the salesperson entered) and the promises to pay found broken in it."""

    notices: int = 0
    broken: int = 0


def chased(company_id: int, span: Period, by: Dimension) -> dict[int | None, Chased]:
    """Per customer or salesperson (``CHASED_BY``), the notices and broken promises of the period: one query."""
    column = CHASED_BY[by]
    rows = db.session.execute(
        select(column, func.count(case((KpiCollection.kind == CollectionKind.DUNNING, 1))),
               func.count(case((KpiCollection.kind == CollectionKind.BROKEN, 1))))
        .where(KpiCollection.company_id == company_id, KpiCollection.at >= span.start, KpiCollection.at < span.end,
               KpiCollection.kind.in_((CollectionKind.DUNNING, CollectionKind.BROKEN)))
        .group_by(column))
    return {key: Chased(int(notices), int(broken)) for key, notices, broken in rows}


COMPUTE: dict[Indicator, Callable[[int, Period, Dimension, int | str | None], list[Any]]] = {
    Indicator.TIMELINESS: timeliness, Indicator.ACCURACY: accuracy, Indicator.SATISFACTION: satisfaction,
    Indicator.COLLECTION: collection,
}


COMPUTE_OVER: dict[Indicator, Callable[[int, Sequence[Period], Dimension, int | str | None], list[list[Any]]]] = {
    Indicator.TIMELINESS: timeliness_over, Indicator.ACCURACY: accuracy_over,
    Indicator.SATISFACTION: satisfaction_over, Indicator.COLLECTION: collection_over,
}


def figures(company_id: int, indicator: Indicator, span: Period, by: Dimension = Dimension.COMPANY,
            only: int | str | None = None) -> list[Any]:
    """The indicator's figures over the period, one per key of the breakdown (one for the company); ``only``
    keeps one key's (a department's code, a person's or customer's id; its key then carries no name)."""
    return COMPUTE[indicator](company_id, span, by, only)


def figures_over(company_id: int, indicator: Indicator, spans: Sequence[Period], by: Dimension = Dimension.COMPANY,
                 only: int | str | None = None) -> list[list[Any]]:
    """The indicator's figures over each of the consecutive periods (the oldest first), in one query."""
    return COMPUTE_OVER[indicator](company_id, spans, by, only)


PARTS: dict[Indicator, tuple[Callable[..., Select[Any]], Callable[..., list[list[Any]]]]] = {
    Indicator.TIMELINESS: (_timeliness_query, _timeliness_figures),
    Indicator.ACCURACY: (_accuracy_query, _accuracy_figures),
    Indicator.SATISFACTION: (_satisfaction_query, _satisfaction_figures),
    Indicator.COLLECTION: (_collection_query, _collection_figures),
}


Asked = Sequence[tuple[Indicator, Dimension, int | str | None]]  # each indicator, its breakdown, the key kept


def several_over(company_id: int, asked: Asked, spans: Sequence[Period],
                 outstanding: bool = True) -> list[list[list[Any]]]:
    """Several indicators' figures over the consecutive periods in one statement: each one's query in a
    ``UNION ALL``, its rows padded to the widest and tagged with its place in ``asked`` (``outstanding``:
    as :func:`collection_over`)."""
    if not asked:
        return []
    statement = _several_query(shape_of(asked), len(spans), outstanding)
    parts: list[list[Any]] = [[] for _asked in asked]
    for row in db.session.execute(statement, several_values(company_id, spans, asked)):
        parts[row[-1]].append(row)
    return several_figures(asked, parts, spans, outstanding)


def shape_of(asked: Asked) -> tuple[tuple[Indicator, Dimension, bool], ...]:
    """What the statement of ``asked`` is built from: each indicator, its breakdown and whether one key is kept."""
    return tuple((indicator, by, only is not None) for indicator, by, only in asked)


def several_parts(shape: tuple[tuple[Indicator, Dimension, bool], ...], periods: int, outstanding: bool,
                  extra: Sequence[Any] = ()) -> list[Select[Any]]:
    """The queries of ``shape`` as the parts of a ``UNION ALL``: each padded with nulls to the widest, then the
    ``extra`` columns (a caller's own parts fill them), then its place in ``shape`` (the last column)."""
    queries = [PARTS[indicator][0](periods, by, _only(place) if kept else None, outstanding)
               for place, (indicator, by, kept) in enumerate(shape)]
    width = max(len(query.selected_columns) for query in queries)
    return [query.add_columns(*[null()] * (width - len(query.selected_columns)), *extra,
                              literal_column(str(place)).label("place"))
            for place, query in enumerate(queries)]


@cache
def _several_query(shape: tuple[tuple[Indicator, Dimension, bool], ...], periods: int,
                   outstanding: bool) -> CompoundSelect:
    """The ``UNION ALL`` of the queries of ``shape``, built once."""
    return union_all(*several_parts(shape, periods, outstanding))


def several_values(company_id: int, spans: Sequence[Period], asked: Asked) -> dict[str, Any]:
    """The parameters of the statement of ``asked`` over ``spans``."""
    return _values(company_id, spans, [only for _indicator, _by, only in asked])


def several_figures(asked: Asked, parts: Sequence[Iterable[Any]], spans: Sequence[Period],
                    outstanding: bool = True) -> list[list[list[Any]]]:
    """The figures of each indicator asked, from the rows of its part (``parts``, in the order asked)."""
    return [PARTS[indicator][1](rows, spans, outstanding)
            for (indicator, _by, _only), rows in zip(asked, parts, strict=True)]
