"""Column types shared by every model: money, quantities, aware datetimes and enums."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Enum, Numeric, TypeDecorator

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
