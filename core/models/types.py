"""Column types shared by every model: money, quantities, aware datetimes and enums."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Enum, Numeric, TypeDecorator
from sqlalchemy.orm import orm_insert_sentinel

from core.figures import MONEY, QUANTITY, RATE

MONEY_PLACES = MONEY.step


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
