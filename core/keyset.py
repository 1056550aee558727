"""Keyset paging: a list's order, the rows past a position in it, and positions as tokens.

A list is ordered on one sort column, ascending or descending, then on the row's
id, which breaks ties. A page starts after (or before) a position: the sort value
and id of the row it follows. The rows past it are one condition on those two,
``(column, id) > (value, id)``, which an index on (company_id, column, id) answers
as one range: a deep page costs what the first does, and rows inserted meanwhile
never push a page back onto rows already seen, as they would with OFFSET.

The portal's list view (``core.listview``) and the API's lists (``core.db.page_of``)
both page this way; each checks a token it is sent with :meth:`Keyset.position`,
which refuses anything but a value of the sort column's kind and a row id.
"""
from __future__ import annotations

import base64
import binascii
import enum
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, or_, tuple_

# Days a filter or a cursor may name: the ends of the calendar overflow once moved to another time zone.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
# Sort values of whole-number and decimal columns that any database compares without overflowing.
LARGEST_INT = 2**31 - 1
LARGEST_EXPONENT = 30


class Kind(enum.StrEnum):
    """How a column's values read, sort, compare with a cursor and export."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"  # an amount: Decimal, shown with two places, hidden without order.view_prices
    NUMBER = "number"  # a Decimal that is not an amount (a rate, a quantity)
    DATE = "date"
    DATETIME = "datetime"  # timezone-aware; shown and exported in the company's time
    CODE = "code"  # a stored code (an enum): shown and exported through its label
    BOOL = "bool"


# What a token that is not a position of the list raises while it is read.
BAD_TOKEN = (ValueError, TypeError, UnicodeError, binascii.Error, InvalidOperation)


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or before) the row with this sort value and id."""

    value: Any
    id: int
    backwards: bool = False


@dataclass(frozen=True)
class Keyset:
    """The order a list pages in: ``column`` (None: the id alone), then ``id``, both one way round.

    :param id: the rows' id column, the tiebreaker and the second half of a position.
    :param column: the sort expression; give it an index with ``id`` (and the company) if the list is big.
    :param kind: how the sort column's values read back from a token (:class:`Kind`).
    :param descending: largest first; NULLs then come first, and last ascending.
    """

    id: Any
    column: Any = None
    kind: Kind = Kind.INT
    descending: bool = False

    def ordered(self, statement: Select[Any], backwards: bool = False) -> Select[Any]:
        """``statement`` sorted on (column, id); ``backwards``, the other way round (to read a previous page).

        NULLs come last ascending and first descending: that is where PostgreSQL's
        indexes put them (both ways round), so an index on (company_id, column, id)
        serves every page in either direction.
        """
        descending = self.descending != backwards
        terms = []
        if self.column is not None:
            expr = self.column
            if _nullable(expr):
                terms.append(expr.desc().nulls_first() if descending else expr.asc().nulls_last())
            else:
                terms.append(expr.desc() if descending else expr.asc())
        terms.append(self.id.desc() if descending else self.id.asc())
        return statement.order_by(*terms)

    def past(self, cursor: Cursor, backwards: bool = False) -> ColumnElement[bool]:
        """The rows that come after ``cursor`` in the list's order (before it, ``backwards``).

        A row-value comparison, ``(column, id) > (value, id)``, which PostgreSQL and SQLite
        answer from the (company_id, column, id) index as one range.
        """
        descending = self.descending != backwards
        ident = self.id
        if self.column is None:
            return ident < cursor.id if descending else ident > cursor.id
        expr, value = self.column, cursor.value
        if value is None:  # NULLs come last ascending, first descending
            same = and_(expr.is_(None), ident < cursor.id if descending else ident > cursor.id)
            return or_(same, expr.is_not(None)) if descending else same
        pair, start = tuple_(expr, ident), tuple_(literal(value, expr.type), literal(cursor.id, ident.type))
        step = pair < start if descending else pair > start
        return or_(step, expr.is_(None)) if _nullable(expr) and not descending else step

    def position(self, token: str, backwards: bool = False) -> Cursor:
        """The position a token names: a value of the sort column's kind and a row id.

        Raises one of ``BAD_TOKEN`` for anything else: not base64, not JSON, a value of
        another type, an id out of range.
        """
        value, ident = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"==").decode("utf-8"))
        if not isinstance(ident, int) or isinstance(ident, bool) or not 0 < ident <= LARGEST_INT:
            raise ValueError(ident)
        return Cursor(None if value is None else self._value(value), ident, backwards=backwards)

    def _value(self, value: Any) -> Any:
        """The sort value a token carries, as the column's type; a value of another type is refused."""
        kind = Kind.INT if self.column is None else self.kind
        if kind in {Kind.INT}:
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) > LARGEST_INT:
                raise ValueError(value)
            return value
        if not isinstance(value, str) or not value.isprintable():
            raise ValueError(value)
        if kind in {Kind.MONEY, Kind.NUMBER}:
            number = Decimal(value)
            if not number.is_finite() or abs(number.adjusted()) > LARGEST_EXPONENT:
                raise ValueError(value)
            return number
        if kind == Kind.DATE:
            day = date.fromisoformat(value)
            if not FIRST_DAY <= day <= LAST_DAY:
                raise ValueError(value)
            return day
        if kind == Kind.DATETIME:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None or not FIRST_DAY <= moment.date() <= LAST_DAY:
                raise ValueError(value)
            return moment
        if kind == Kind.BOOL:
            return value == "1"
        enum_class = getattr(getattr(self.column, "type", None), "enum_class", None)
        if kind == Kind.CODE and enum_class is not None:
            return enum_class(value)
        return value


def cursor_token(value: Any, ident: int) -> str:
    """The token of the row with this sort value and id: where the page after (or before) it starts."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        value = "1" if value else "0"
    elif isinstance(value, (date, datetime)):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    # UTF-8 rather than \u escapes: a Chinese sort value makes a token half as long.
    return base64.urlsafe_b64encode(json.dumps([value, ident], ensure_ascii=False).encode("utf-8")
                                    ).decode("ascii").rstrip("=")


def _nullable(expr: Any) -> bool:
    column = getattr(expr, "expression", expr)
    return bool(getattr(column, "nullable", True)) and not getattr(column, "primary_key", False)
