"""Amounts, dates and times read one way per locale, through Babel."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from core.formatting import capitals, format_date, format_datetime, money


def test_an_amount_is_grouped_in_thousands_with_two_places(app):
    with app.test_request_context(), force_locale("en"):
        assert money(Decimal("1234567.5")) == "1,234,567.50"
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert money(Decimal("1234567.5")) == "1,234,567.50"


def test_an_amount_is_never_rounded_for_display(app):
    with app.test_request_context(), force_locale("en"):
        assert money(Decimal("8.125")) == "8.125"


def test_an_amount_with_its_currency_takes_the_locales_symbol(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert money(Decimal("1200"), "CNY") == "¥1,200.00"
    with app.test_request_context(), force_locale("en"):
        assert money(Decimal("1200"), "EUR") == "€1,200.00"


def test_dates_and_times_read_in_the_locale(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert format_date(date(2026, 12, 7)) == "2026年12月7日"
    with app.test_request_context(), force_locale("en"):
        assert format_date(date(2026, 12, 7)) == "Dec 7, 2026"
        assert format_datetime(datetime(2026, 12, 7, 1, 30, tzinfo=timezone.utc)).startswith("12/7/26")


def test_nothing_reads_as_empty(app):
    with app.test_request_context():
        assert money(None) == "" and format_date(None) == "" and format_datetime(None) == ""


def test_templates_have_the_filters(app):
    with app.test_request_context(), force_locale("en"):
        rendered = app.jinja_env.from_string("{{ v | money }} {{ d | date }}").render(
            v=Decimal("1000"), d=date(2026, 1, 2))
    assert rendered == "1,000.00 Jan 2, 2026"


# --- every page formats through the filters ------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Another formatter than the filters: Flask-Babel's own, strftime, or a date's ISO form shown as text.
OTHER_FORMATTERS = re.compile(r"\|\s*(?:datetimeformat|dateformat|decimalformat|timeformat)\b|strftime|"
                              r"(?<!=\")\{\{[^}]*isoformat\(\)")
# An amount printed as it is stored: ``{{ line.amount }}``, ``{{ order.total }}`` (an input's value excepted).
RAW_AMOUNT = re.compile(r"(?<!=\")\{\{-?\s*[\w.]*\b(?:amount|total|subtotal|tax_total|unit_price|list_price|"
                        r"price|outstanding|paid|collected|price_difference)\s*(?:if [^}]*)?-?\}\}")


def page_templates() -> list[Path]:
    """The portal's templates; documents and emails (templates/pdf, templates/emails) have their own tests."""
    return sorted(path for path in TEMPLATES.rglob("*.html") if path.parts[-2] not in ("pdf", "emails"))


def test_pages_format_amounts_dates_and_times_only_through_the_filters():
    found = [f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
             for path in page_templates()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if OTHER_FORMATTERS.search(line) or RAW_AMOUNT.search(line)]
    assert found == [], "use | money, | date, | datetime (core/formatting.py):\n" + "\n".join(found)


def test_the_check_sees_a_raw_amount_and_another_formatter():
    assert RAW_AMOUNT.search("<td>{{ line.amount }}</td>") and RAW_AMOUNT.search("{{ order.total }} CNY")
    assert OTHER_FORMATTERS.search("<dd>{{ order.requested_date.isoformat() }}</dd>")
    assert OTHER_FORMATTERS.search("{{ paid | decimalformat('#,##0.00') }}")
    assert not RAW_AMOUNT.search("<td>{{ line.amount | money }}</td>")
    assert not RAW_AMOUNT.search('<input value="{{ outstanding }}">')
    assert not OTHER_FORMATTERS.search('<time datetime="{{ due.isoformat() }}">')


def test_amounts_and_dates_stored_as_text_read_like_the_others(app):
    # A change's diff keeps them as JSON strings; they are shown exactly, in the locale's format.
    with app.test_request_context(), force_locale("en"):
        assert money("2034.5") == "2,034.50" and format_date("2099-03-01") == "Mar 1, 2099"
        assert money("") == "" and format_date("") == ""


# Amounts in capitals (大写金额) as 《支付结算办法》 writes them, expected strings written by hand.
@pytest.mark.parametrize(("amount", "written"), [
    ("0.05", "人民币伍分"),
    ("10.00", "人民币壹拾元整"),
    ("1001.10", "人民币壹仟零壹元壹角"),
    ("100000000.00", "人民币壹亿元整"),
    ("1000.05", "人民币壹仟元零伍分"),
    ("2712.00", "人民币贰仟柒佰壹拾贰元整"),
    ("2316.50", "人民币贰仟叁佰壹拾陆元伍角"),
    ("100010.00", "人民币壹拾万零壹拾元整"),
    ("1000100.00", "人民币壹佰万零壹佰元整"),
    ("0.00", "人民币零元整"),
])
def test_an_amount_in_capitals_follows_the_payment_and_settlement_rules(amount, written):
    assert capitals(Decimal(amount)) == written


@pytest.mark.parametrize("amount", ["-1.00", "0.005", "10000000000000000.00", "NaN"])
def test_an_amount_that_cannot_be_written_in_capitals_is_refused_not_rounded(amount):
    with pytest.raises(ValueError):
        capitals(Decimal(amount))


def test_a_template_writes_capitals_with_the_filter(app):
    with app.test_request_context():
        written = app.jinja_env.from_string("{{ amount | capitals }}").render(amount=Decimal("1000.05"))
    assert written == "人民币壹仟元零伍分"
