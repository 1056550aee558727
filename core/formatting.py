"""How amounts, dates and times read: one format per locale, through Babel.

Pages format in the reader's locale; a document or email to a customer is
rendered under ``flask_babel.force_locale`` with the customer's language, so the
same filters follow it. Amounts keep every decimal they carry (Babel's
``decimal_quantization=False``): an amount is never rounded for display, only
given at least two places and the locale's grouping (``1,234,567.50``).

Templates use the filters ``money`` (an amount, optionally with its currency),
``date``, ``datetime`` and ``capitals`` (an amount in Chinese capitals, 大写, for
settlement documents); code that needs the text (a CSV cell, an email subject)
calls the functions.
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


def quantity(value: Decimal | None) -> str:
    """A quantity in the current locale, its trailing zeros dropped (``12``, ``2.5``, ``1,200``)."""
    if value is None:
        return ""
    return numbers.format_decimal(value.normalize(), locale=get_locale() or "en", decimal_quantization=False)


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


# --- amounts in capitals (大写金额) ------------------------------------------------------

CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_UNITS = ("", "拾", "佰", "仟")  # within a group of four digits
CAPITAL_GROUPS = ("", "万", "亿", "万亿")  # each group of four digits, from the right
LARGEST_CAPITALS = Decimal("9999999999999999.99")


def capitals(value: Decimal, prefix: str = "人民币") -> str:
    """The amount written in Chinese capitals as 《支付结算办法》 asks, from the exact Decimal.

    ``人民币壹仟零壹元壹角``: a zero between digits (or a run of them) is one 零;
    元 ends the whole yuan; 整 follows 元 when there are no 角 and 分, and nothing
    follows 分; with 角 of zero but 分, 零 stands for the 角 (``壹仟元零伍分``);
    under one yuan the yuan are left out (``伍分``). An amount that is negative,
    has more than two decimal places or more than sixteen digits is refused
    (ValueError), never rounded.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"not a finite Decimal amount: {value!r}")
    if value < 0 or value > LARGEST_CAPITALS:
        raise ValueError(f"no capitals for {value}")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} has more than two decimal places")
    whole, rest = divmod(int(cents), 100)
    jiao, fen = divmod(rest, 10)
    text = prefix
    if whole:
        text += _capital_whole(whole) + "元"
    elif not rest:
        return text + "零元整"
    if not rest:
        return text + "整"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    elif whole:
        text += "零"
    if fen:
        text += CAPITAL_DIGITS[fen] + "分"
    return text


def _capital_whole(number: int) -> str:
    """Whole yuan in capitals: 壹拾, 壹仟零壹, 壹亿, 壹拾万零壹拾."""
    digits = str(number)
    parts: list[str] = []
    zero_pending = False
    for index, character in enumerate(digits):
        power = len(digits) - 1 - index
        digit = int(character)
        if digit == 0:
            zero_pending = bool(parts)
        else:
            if zero_pending:
                parts.append("零")
            zero_pending = False
            parts.append(CAPITAL_DIGITS[digit] + CAPITAL_UNITS[power % 4])
        group = power // 4
        if power % 4 == 0 and group and int(digits[max(0, index - 3):index + 1]):
            parts.append(CAPITAL_GROUPS[group])
    return "".join(parts)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["capitals"] = capitals
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["quantity"] = quantity
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
