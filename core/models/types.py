"""Column types shared by every model: money, quantities, aware datetimes and enums."""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import DateTime, Enum, Numeric, TypeDecorator
from sqlalchemy.orm import orm_insert_sentinel

from core.figures import MONEY, QUANTITY, RATE

MONEY_PLACES = MONEY.step


# How far behind the time the core's clock runs: nothing, but inside ``clock_set_back`` (the demo's history).
_BEHIND: ContextVar[timedelta] = ContextVar("ordo_clock_behind", default=timedelta(0))


def utcnow() -> datetime:
    """The core's one clock: the time now, or inside :func:`clock_set_back` the moment it was set to, running on."""
    return datetime.now(timezone.utc) - _BEHIND.get()


@contextmanager
def clock_set_back() -> Iterator[Callable[[datetime | None], None]]:
    """Within the block, ``set_to(moment)`` sets the clock back to a past moment, from which it runs on: every
    service then records what it does as of that moment, as it would have had it run then; ``set_to(None)``
    sets it to the time again, as leaving the block does. The demo walks the flows of its history this way;
    nothing else should."""
    token = _BEHIND.set(timedelta(0))

    def set_to(moment: datetime | None) -> None:
        behind = timedelta(0) if moment is None else datetime.now(timezone.utc) - moment
        if behind < timedelta(0):
            raise ValueError(f"the clock is only set back, not ahead: {moment}")
        _BEHIND.set(behind)

    try:
        yield set_to
    finally:
        _BEHIND.reset(token)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime, stored in UTC; SQLite gives back aware values too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a timezone")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def Money() -> Numeric:  # noqa: N802 - reads like a type in column declarations
    return Numeric(*MONEY, asdecimal=True)


def Quantity() -> Numeric:  # noqa: N802
    return Numeric(*QUANTITY, asdecimal=True)


def Rate() -> Numeric:  # noqa: N802
    return Numeric(*RATE, asdecimal=True)


def enum_column(enum_class: type[enum.Enum], length: int = 24) -> Enum:
    """Store an enum by its value as a plain string column, portable across databases."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


# The attribute and column ``insert_sentinel`` makes: it means nothing once the row is in, so copies,
# snapshots and digests of a row leave it out.
SENTINEL = "_sentinel"


def insert_sentinel() -> Any:
    """A nullable integer column the ORM fills while it inserts several rows of a table at once.

    SQLite cannot tell which new id belongs to which row of a multi-row ``INSERT ... RETURNING``,
    so without it SQLAlchemy inserts the rows of one flush one statement each (PostgreSQL batches them
    anyway). With it the ORM numbers the rows, inserts them in one statement and matches the returned
    ids by that number: the statements of a step then stay the same however many lines an order has.
    See SQLAlchemy's "Configuring Sentinel Columns" (``orm_insert_sentinel``). Declare it as ``SENTINEL``.
    """
    return orm_insert_sentinel(SENTINEL)
