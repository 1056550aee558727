"""How the indicators read: their names, formulas and breakdowns, and the table rows a page and its export
share (a figure's key named in the reader's language, rates as percentages)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.keyset import Kind
from core.listview import Column
from plugins.kpi.indicators.services import (
    CHASED_BY, Accuracy, Chased, Collection, Dimension, Indicator, Key, Satisfaction, Timeliness,
)
from plugins.kpi.labels import STAGES, department

NAMES = {
    Indicator.TIMELINESS: _l("Order processing timeliness rate"),
    Indicator.ACCURACY: _l("Order accuracy rate"),
    Indicator.SATISFACTION: _l("Customer satisfaction"),
    Indicator.COLLECTION: _l("Collection rate"),
}
FORMULAS = {
    Indicator.TIMELINESS: _l("Stage tasks done within their limit / stage tasks done with a limit in the period "
                             "(intake: receipt to submission; each review step: opening to decision; each "
                             "execution task: from when it could be worked to its completion; each problem case: "
                             "opening to resolution)."),
    Indicator.ACCURACY: _l("Delivered orders with no correction after submission, no refused or reserved line "
                           "at acceptance and no problem case / orders delivered in the period."),
    Indicator.SATISFACTION: _l("Average acceptance rating (1 to 5) and share of ratings of 4 or 5, over the "
                               "deliveries rated in the period."),
    Indicator.COLLECTION: _l("Amount collected in the period (payments less reversals) / amount falling due in "
                             "the period. DSO = (due up to the period's end - collected up to it) / due in the "
                             "period x days in the period."),
}
DIMENSION_LABELS = {
    Dimension.COMPANY: _l("Company"),
    Dimension.DEPARTMENT: _l("Department"),
    Dimension.PERSON: _l("Person"),
    Dimension.CUSTOMER: _l("Customer"),
    Dimension.SALESPERSON: _l("Salesperson"),
    Dimension.STAGE: _l("Kind of work"),
}
HUNDRED = Decimal(100)


def key_name(key: Key, by: Dimension) -> str:
    """Who or what a figure is of, as a reader names it."""
    if by == Dimension.COMPANY:
        return _("Whole company")
    if by == Dimension.DEPARTMENT:
        return department(key.code)
    if by == Dimension.STAGE:
        return str(STAGES.get(key.code or "", key.code))
    if by == Dimension.CUSTOMER:
        return f"{key.code} {key.name}"
    return key.name or _("Nobody (decided by rules)")


def percent(rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (rate * HUNDRED).quantize(Decimal("0.01"))


def columns(indicator: Indicator, by: Dimension) -> list[Column]:
    """The table's columns for an indicator broken down by ``by``; amounts are MONEY, hidden without prices."""
    first = [Column("name", DIMENSION_LABELS[by], None)]
    if indicator == Indicator.TIMELINESS:
        return [*first, Column("done", _l("Tasks done"), None, Kind.INT),
                Column("timed", _l("With a limit"), None, Kind.INT), Column("on_time", _l("On time"), None, Kind.INT),
                Column("rate", _l("Rate (%)"), None, Kind.NUMBER)]
    if indicator == Indicator.ACCURACY:
        return [*first, Column("delivered", _l("Orders delivered"), None, Kind.INT),
                Column("accurate", _l("Accurate"), None, Kind.INT), Column("rate", _l("Rate (%)"), None, Kind.NUMBER)]
    if indicator == Indicator.SATISFACTION:
        return [*first, Column("rated", _l("Ratings"), None, Kind.INT),
                Column("average", _l("Average rating"), None, Kind.NUMBER),
                Column("high_share", _l("Rated 4 or 5 (%)"), None, Kind.NUMBER)]
    chased = [Column("notices", _l("Dunning notices"), None, Kind.INT),
              Column("broken", _l("Promises broken"), None, Kind.INT)] if by in CHASED_BY else []
    return [*first, Column("due", _l("Due in the period"), None, Kind.MONEY),
            Column("collected", _l("Collected in the period"), None, Kind.MONEY),
            Column("outstanding", _l("Outstanding at the end"), None, Kind.MONEY),
            Column("rate", _l("Rate (%)"), None, Kind.NUMBER), Column("dso", _l("DSO (days)"), None, Kind.NUMBER),
            *chased]


def row(figure: Any, by: Dimension, chased: Mapping[int | None, Chased] | None = None) -> dict[str, Any]:
    """One figure as the table's cells, keyed as :func:`columns` names them (``chased``: what collecting took,
    per key, beside collection's figures)."""
    cells: dict[str, Any] = {"name": key_name(figure.key, by), "key": figure.key}
    if isinstance(figure, Timeliness):
        cells.update(done=figure.done, timed=figure.timed, on_time=figure.on_time, rate=percent(figure.rate))
    elif isinstance(figure, Accuracy):
        cells.update(delivered=figure.delivered, accurate=figure.accurate, rate=percent(figure.rate))
    elif isinstance(figure, Satisfaction):
        cells.update(rated=figure.rated, average=figure.average, high_share=percent(figure.high_share))
    elif isinstance(figure, Collection):
        cells.update(due=figure.due, collected=figure.collected, outstanding=figure.outstanding,
                     rate=percent(figure.rate), dso=figure.dso)
        if chased is not None:
            taken = chased.get(figure.key.id, Chased())
            cells.update(notices=taken.notices, broken=taken.broken)
    return cells


def rows(figures: Sequence[Any], by: Dimension,
         chased: Mapping[int | None, Chased] | None = None) -> list[dict[str, Any]]:
    return [row(figure, by, chased) for figure in figures]


def headline(figure: Any | None) -> Decimal | None:
    """The one number a card shows: the rate in %, or the average rating."""
    if figure is None:
        return None
    if isinstance(figure, Satisfaction):
        return figure.average
    return percent(figure.rate)
