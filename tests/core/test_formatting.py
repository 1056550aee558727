"""Amounts, dates and times read one way per locale, through Babel."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from flask_babel import force_locale

from core.formatting import format_date, format_datetime, money


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
