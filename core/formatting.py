"""How amounts, dates and times read: one format per locale, through Babel.

Pages format in the reader's locale; a document or email to a customer is
rendered under ``flask_babel.force_locale`` with the customer's language, so the
same filters follow it. Amounts keep every decimal they carry (Babel's
``decimal_quantization=False``): an amount is never rounded for display, only
given at least two places and the locale's grouping (``1,234,567.50``).

Templates use the filters ``money`` (an amount, optionally with its currency),
``date`` and ``datetime``; code that needs the text (a CSV cell, an email
subject) calls the functions.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel import numbers
from flask import Flask
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import get_locale

MONEY_PATTERN = "#,##0.00"
DATE_FORMAT = "medium"  # 2026年12月7日 / Dec 7, 2026
DATETIME_FORMAT = "short"  # 2026/12/7 09:30 / 12/7/26, 9:30 AM


def money(value: Decimal | str | None, currency: str | None = None) -> str:
    """An amount in the current locale, with its currency's symbol when ``currency`` is given.

    A string is an amount as stored in a record's JSON (a change's diff): read exactly as a Decimal.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = Decimal(value)
    locale = get_locale() or "en"
    if currency:
        return numbers.format_currency(value, currency, locale=locale, decimal_quantization=False)
    return numbers.format_decimal(value, format=MONEY_PATTERN, locale=locale, decimal_quantization=False)


def format_date(value: date | datetime | str | None) -> str:
    """A date (or a datetime's date in the user's time zone) in the locale's one date format.

    A string is a date as stored in a record's JSON (ISO, as a change's diff keeps it).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return babel_format_date(value, DATE_FORMAT)


def format_datetime(value: datetime | None) -> str:
    """An aware datetime in the user's time zone, in the locale's one date-time format."""
    if value is None:
        return ""
    return babel_format_datetime(value, DATETIME_FORMAT)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
