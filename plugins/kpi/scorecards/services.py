"""Targets per indicator, and scorecards per department and person per month or quarter.

A scorecard line is one indicator of the subject over the period: its value, the company's target, the
values of the two periods before (the trend), the flag the rule proposes (a reward when the value reaches
the target, a penalty under ``penalty_below``) and, once a supervisor confirmed it, who did and when. A
department is measured by its tasks' timeliness; a person by the timeliness of the tasks they did and by
the accuracy, satisfaction and collection of the orders they entered. The figures come from the indicator
queries restricted to the subject, grouped by period as well; the lines, the company's targets and the flags
confirmed on the scorecard come in one statement (``UNION ALL``), whatever the facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import CompoundSelect, Select, bindparam, cast, func, literal_column, null, select, union_all

from core import audit
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.models import Company, Order, User, utcnow
from core.models.types import UTCDateTime, enum_column
from plugins.kpi.facts.collection import CollectionKind, KpiCollection
from plugins.kpi.facts.models import KpiMoney, KpiOrder, KpiTask
from plugins.kpi.indicators import services as indicators
from plugins.kpi.indicators.services import Dimension, Indicator, Period, Satisfaction
from plugins.kpi.scorecards.models import Flag, KpiFlag, KpiTarget, PeriodKind, TargetValue

TREND_PERIODS = 3  # the period and the two before it
DRILL_LIMIT = 500  # orders listed behind a figure, the latest first
SUBJECT_KINDS = (Dimension.DEPARTMENT, Dimension.PERSON)
# What each kind of subject is measured by, and how the indicator's facts name the subject.
LINES: dict[Dimension, tuple[tuple[Indicator, Dimension], ...]] = {
    Dimension.DEPARTMENT: ((Indicator.TIMELINESS, Dimension.DEPARTMENT),),
    Dimension.PERSON: ((Indicator.TIMELINESS, Dimension.PERSON), (Indicator.ACCURACY, Dimension.SALESPERSON),
                       (Indicator.SATISFACTION, Dimension.SALESPERSON), (Indicator.COLLECTION, Dimension.SALESPERSON)),
}
# Satisfaction is an average rating from 1 to 5; every other indicator a rate from 0 to 1.
RANGES = {indicator: (Decimal(1), Decimal(5)) if indicator == Indicator.SATISFACTION else (Decimal(0), Decimal(1))
          for indicator in Indicator}


# --- subjects and periods ---------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Whom a scorecard is of: a department (by code) or a person (by user id)."""

    kind: Dimension
    key: str | int

    @property
    def code(self) -> str:
        return f"{self.kind.value}:{self.key}"

    @classmethod
    def parse(cls, text: str | None) -> Subject:
        match = re.fullmatch(r"(department):([a-z_]{1,64})|(person):(\d{1,9})", (text or "").strip())
        if match is None:
            raise ValidationError(_("subject must be department:<code> or person:<user id>"), field="subject")
        if match.group(1):
            return cls(Dimension.DEPARTMENT, match.group(2))
        return cls(Dimension.PERSON, int(match.group(4)))


@dataclass(frozen=True)
class ScorePeriod:
    """A calendar month (``2026-03``) or quarter (``2026-Q1``) in the company's zone."""

    kind: PeriodKind
    start: date

    @property
    def months(self) -> int:
        return 1 if self.kind == PeriodKind.MONTH else 3

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    def shifted(self, periods: int) -> ScorePeriod:
        month = self.start.year * 12 + self.start.month - 1 + periods * self.months
        return ScorePeriod(self.kind, date(month // 12, month % 12 + 1, 1))

    @property
    def last_day(self) -> date:
        following = self.shifted(1).start
        return date.fromordinal(following.toordinal() - 1)

    def span(self, company_id: int) -> Period:
        return indicators.period_of(company_id, self.start, self.last_day)

    @classmethod
    def parse(cls, text: str | None) -> ScorePeriod:
        value = (text or "").strip()
        month = re.fullmatch(r"(\d{4})-(\d{2})", value)
        quarter = re.fullmatch(r"(\d{4})-Q([1-4])", value)
        if month and 1970 <= int(month.group(1)) <= 9998 and 1 <= int(month.group(2)) <= 12:
            return cls(PeriodKind.MONTH, date(int(month.group(1)), int(month.group(2)), 1))
        if quarter and 1970 <= int(quarter.group(1)) <= 9998:
            return cls(PeriodKind.QUARTER, date(int(quarter.group(1)), (int(quarter.group(2)) - 1) * 3 + 1, 1))
        raise ValidationError(_("period must be a month (2026-03) or a quarter (2026-Q1)"), field="period")


def parse_indicator(value: str | None) -> Indicator:
    try:
        return Indicator((value or "").strip())
    except ValueError:
        raise ValidationError(_("indicator must be one of: %(values)s", values=", ".join(Indicator)),
                              field="indicator") from None


# --- targets ------------------------------------------------------------------------------


def company_targets(company_id: int) -> dict[Indicator, KpiTarget]:
    rows = db.session.execute(select(KpiTarget).where(KpiTarget.company_id == company_id)).scalars()
    return {row.indicator: row for row in rows}


def _bounded(value: Any, indicator: Indicator, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    low, high = RANGES[indicator]
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite() or not low <= number <= high or number != number.quantize(Decimal("0.0001")):
        raise ValidationError(_("%(field)s must lie between %(low)s and %(high)s, with at most 4 decimals",
                                field=name, low=low, high=high), field=name)
    return number


def set_targets(company_id: int, values: dict[Indicator, tuple[Any, Any]], actor: User) -> dict[Indicator, KpiTarget]:
    """Set the company's target (and penalty threshold) of each indicator given; an empty target removes it."""
    current = company_targets(company_id)
    before = {indicator.value: str(row.target) for indicator, row in current.items()}
    for indicator, (target_value, penalty_value) in values.items():
        target = _bounded(target_value, indicator, f"{indicator.value}.target")
        penalty = _bounded(penalty_value, indicator, f"{indicator.value}.penalty_below")
        if target is None:
            if indicator in current:
                db.session.delete(current.pop(indicator))
            continue
        if penalty is not None and penalty > target:
            raise ValidationError(_("%(field)s must not be above the target", field=f"{indicator.value}.penalty_below"),
                                  field=f"{indicator.value}.penalty_below")
        row = current.get(indicator) or KpiTarget(company_id=company_id, indicator=indicator)
        row.target, row.penalty_below, row.updated_by_id, row.updated_at = target, penalty, actor.id, utcnow()
        db.session.add(row)
        current[indicator] = row
    audit.record(company_id=company_id, entity="kpi_targets", entity_id=company_id, action="kpi_targets_set",
                 actor=actor, before=before,
                 after={indicator.value: str(row.target) for indicator, row in current.items()})
    return current


# --- scorecards ---------------------------------------------------------------------------


def value_of(figure: Any | None) -> Decimal | None:
    """The number a line is judged by: the average rating for satisfaction, the rate otherwise."""
    if figure is None:
        return None
    return figure.average if isinstance(figure, Satisfaction) else figure.rate


@dataclass(frozen=True)
class Target:
    """What a line is judged against: the company's target of its indicator and the penalty threshold."""

    target: Decimal
    penalty_below: Decimal | None


@dataclass(frozen=True)
class Confirmed:
    """The flag a supervisor confirmed on a line: who and when, and the value and target it was judged on."""

    flag: Flag
    value: Decimal
    target: Decimal
    confirmed_by: str  # their name
    confirmed_at: datetime


def propose(value: Decimal | None, target: Target | KpiTarget | None) -> Flag | None:
    """The rule: a reward when the value reaches the target, a penalty under the penalty threshold."""
    if value is None or target is None:
        return None
    if value >= target.target:
        return Flag.REWARD
    if target.penalty_below is not None and value < target.penalty_below:
        return Flag.PENALTY
    return None


@dataclass(frozen=True)
class Chasing:
    """What collecting took in the period, beside a person's collection rate: the dunning notices sent for the
    orders they entered, and the promises to pay they took and, of those whose date passed, kept and broken."""

    notices: int = 0
    promised: int = 0
    kept: int = 0
    broken: int = 0


@dataclass
class Line:
    indicator: Indicator
    value: Decimal | None
    figure: Any | None  # the indicator's figure of the subject (counts, amounts)
    target: Target | None
    trend: list[tuple[str, Decimal | None]] = field(default_factory=list)  # oldest first, this period last
    proposed: Flag | None = None
    confirmed: Confirmed | None = None
    chasing: Chasing | None = None  # a person's collection line only


@dataclass
class Scorecard:
    subject: Subject
    period: ScorePeriod
    lines: list[Line]


# A scorecard's one statement: the lines' parts (``indicators.several_parts``), then the company's targets and
# the flags confirmed on the scorecard as two parts of the same ``UNION ALL``. Those fill the columns a line's
# part leaves empty: the indicator as the key's code, the confirming person's name as the key's name, and four
# columns of their own after the figures, cast on the lines' parts, which come first: PostgreSQL would take two
# untyped nulls for text, and SQLite's answers are read by the first part's types.
FLAG_COLUMNS = (cast(null(), enum_column(Flag)), cast(null(), UTCDateTime()), cast(null(), TargetValue),
                cast(null(), TargetValue))
SUBJECT, PERIOD_KIND, PERIOD_START = "subject", "period_kind", "period_start"
# A person's scorecard counts their collection facts (``facts.collection``) in the period, by kind, in one more part.
PERSON, CHASED_FROM, CHASED_TO = "person", "chased_from", "chased_to"
CHASING_FIELDS = {CollectionKind.DUNNING: "notices", CollectionKind.PROMISED: "promised",
                  CollectionKind.KEPT: "kept", CollectionKind.BROKEN: "broken"}


@cache
def _statement(kind: Dimension, periods: int) -> CompoundSelect:
    """Every line of a ``kind`` subject's scorecard over ``periods``, its targets and flags, and a person's
    collection facts in the period: built once."""
    shape = tuple((indicator, by, True) for indicator, by in LINES[kind])  # each line keeps the subject's facts
    lines = indicators.several_parts(shape, periods, outstanding=False, extra=FLAG_COLUMNS)
    width = len(lines[0].selected_columns) - len(FLAG_COLUMNS) - 1  # the period, the key and the figures
    empty = [null()] * (width - 4)

    def part(place: int, *columns: Any) -> Any:
        return [null(), null(), *columns[:2], *empty, *columns[2:], literal_column(str(place)).label("place")]

    targets = select(*part(len(shape), KpiTarget.indicator, null(), null(), null(), KpiTarget.target,
                           KpiTarget.penalty_below)).where(KpiTarget.company_id == bindparam(indicators.COMPANY))
    flags = select(*part(len(shape) + 1, KpiFlag.indicator, User.name, KpiFlag.flag, KpiFlag.confirmed_at,
                         KpiFlag.value, KpiFlag.target)).join(User, User.id == KpiFlag.confirmed_by_id).where(
        KpiFlag.company_id == bindparam(indicators.COMPANY), KpiFlag.subject == bindparam(SUBJECT),
        KpiFlag.period_kind == bindparam(PERIOD_KIND), KpiFlag.period_start == bindparam(PERIOD_START))
    if kind != Dimension.PERSON:
        return union_all(*lines, targets, flags)
    # The kind as the key's code, how many as the first figure.
    chased = select(null(), null(), KpiCollection.kind, null(), func.count(), *empty[1:],
                    *[null()] * len(FLAG_COLUMNS), literal_column(str(len(shape) + 2)).label("place")).where(
        KpiCollection.company_id == bindparam(indicators.COMPANY), KpiCollection.salesperson_id == bindparam(PERSON),
        KpiCollection.at >= bindparam(CHASED_FROM), KpiCollection.at < bindparam(CHASED_TO)
    ).group_by(KpiCollection.kind)
    return union_all(*lines, targets, flags, chased)


def scorecard(company_id: int, subject: Subject, period: ScorePeriod) -> Scorecard:
    """The subject's lines over the period and the two before, with the company's targets, the flags confirmed
    on the scorecard and, for a person, what collecting took in the period: one statement."""
    _company = db.session.get_one(Company, company_id)  # held: each period's span reads its zone
    periods = [period.shifted(-back) for back in range(TREND_PERIODS - 1, -1, -1)]
    spans = [earlier.span(company_id) for earlier in periods]
    asked = [(indicator, by, subject.key) for indicator, by in LINES[subject.kind]]
    values = {**indicators.several_values(company_id, spans, asked), SUBJECT: subject.code,
              PERIOD_KIND: period.kind, PERIOD_START: period.start, PERSON: subject.key,
              CHASED_FROM: spans[-1].start, CHASED_TO: spans[-1].end}
    parts: list[list[Any]] = [[] for _part in range(len(asked) + 3)]
    for row in db.session.execute(_statement(subject.kind, len(spans)), values):
        parts[row[-1]].append(row)
    # The targets' and flags' rows: the indicator, the name; the flag, when, and two numbers, before the place.
    targets = {Indicator(row[2]): Target(row[-3], row[-2]) for row in parts[len(asked)]}
    confirmed = {Indicator(row[2]): Confirmed(Flag(row[-5]), row[-3], row[-2], row[3], row[-4])
                 for row in parts[len(asked) + 1]}
    chasing = Chasing(**{CHASING_FIELDS[CollectionKind(row[2])]: int(row[4]) for row in parts[len(asked) + 2]})
    # Collection's rates alone: its outstanding would read all the money before the periods.
    found = indicators.several_figures(asked, parts[:len(asked)], spans, outstanding=False)
    lines = []
    for (indicator, _by), per_period in zip(LINES[subject.kind], found, strict=True):
        figures = [next(iter(figures_of), None) for figures_of in per_period]
        trend = [(earlier.code, value_of(figure)) for earlier, figure in zip(periods, figures, strict=True)]
        value = trend[-1][1]
        lines.append(Line(indicator, value, figures[-1], targets.get(indicator), trend,
                          propose(value, targets.get(indicator)), confirmed.get(indicator),
                          chasing if indicator == Indicator.COLLECTION and subject.kind == Dimension.PERSON else None))
    return Scorecard(subject, period, lines)


def confirm(company_id: int, subject: Subject, period: ScorePeriod, indicator: Indicator, actor: User) -> KpiFlag:
    """A supervisor confirms the flag the rule proposes on one line; recorded with who and when, and audited."""
    line = next((line for line in scorecard(company_id, subject, period).lines if line.indicator == indicator), None)
    if line is None:
        raise ValidationError(_("%(subject)s has no %(indicator)s line", subject=subject.code,
                                indicator=indicator.value), field="indicator")
    if line.confirmed is not None:
        raise Conflict(_("this flag was already confirmed"))
    if line.proposed is None or line.value is None or line.target is None:
        raise Conflict(_("the rule proposes neither reward nor penalty on this line"))
    flag = KpiFlag(company_id=company_id, subject=subject.code, indicator=indicator, period_kind=period.kind,
                   period_start=period.start, flag=line.proposed, value=line.value, target=line.target.target,
                   confirmed_by_id=actor.id, confirmed_at=utcnow())
    db.session.add(flag)
    audit.record(company_id=company_id, entity="kpi_flag", entity_id=None, action="kpi_flag_confirmed", actor=actor,
                 after={"subject": subject.code, "period": period.code, "indicator": indicator.value,
                        "flag": line.proposed.value, "value": str(line.value), "target": str(line.target.target)})
    return flag


def orders_behind(company_id: int, subject: Subject, period: ScorePeriod, indicator: Indicator) -> list[Order]:
    """The orders whose facts make the line's figure, the latest first (at most ``DRILL_LIMIT``)."""
    by = dict(LINES[subject.kind]).get(indicator)
    if by is None:
        raise ValidationError(_("%(subject)s has no %(indicator)s line", subject=subject.code,
                                indicator=indicator.value), field="indicator")
    span = period.span(company_id)
    query: Select[Any]
    if indicator == Indicator.TIMELINESS:
        column = KpiTask.department if by == Dimension.DEPARTMENT else KpiTask.person_id
        query = select(KpiTask.order_id).where(KpiTask.company_id == company_id, column == subject.key,
                                               KpiTask.done_at >= span.start, KpiTask.done_at < span.end)
    elif indicator == Indicator.COLLECTION:
        query = select(KpiMoney.order_id).where(KpiMoney.company_id == company_id,
                                                KpiMoney.salesperson_id == subject.key,
                                                KpiMoney.at >= span.start, KpiMoney.at < span.end)
    else:
        query = select(KpiOrder.order_id).where(KpiOrder.company_id == company_id,
                                                KpiOrder.salesperson_id == subject.key,
                                                KpiOrder.delivered_at >= span.start, KpiOrder.delivered_at < span.end)
    return list(db.session.execute(
        select(Order).where(Order.id.in_(query)).order_by(Order.id.desc()).limit(DRILL_LIMIT)).scalars())
