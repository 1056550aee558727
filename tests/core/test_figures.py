"""Fixed-point figures: what a money, quantity or rate column holds exactly, and what it refuses."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core.figures import MONEY, QUANTITY, RATE


def test_the_columns_limits():
    assert (MONEY.step, MONEY.largest) == (Decimal("0.01"), Decimal("999999999999.99"))
    assert (QUANTITY.step, QUANTITY.largest) == (Decimal("0.001"), Decimal("99999999999.999"))
    assert (RATE.step, RATE.largest) == (Decimal("0.0001"), Decimal("99.9999"))


@pytest.mark.parametrize("value", ["10", "10.1", "10.10", "10.100", "-3.50", "1E+2", "0", "999999999999.99"])
def test_a_figure_the_column_holds_exactly_is_accepted(app, value):
    assert MONEY.refusal(Decimal(value)) is None


@pytest.mark.parametrize("value, reason", [
    ("10.1234567890", "at most 2 decimal places"),
    ("10.001", "at most 2 decimal places"),
    ("999999999999.995", "at most 2 decimal places"),
    ("1000000000000", "at most 12 digits before the decimal point"),
    ("1E+40", "at most 12 digits before the decimal point"),
    ("NaN", "Not a valid decimal value."),
    ("-Infinity", "Not a valid decimal value."),
])
def test_a_figure_the_column_would_round_or_overflow_is_refused(app, value, reason):
    assert reason in MONEY.refusal(Decimal(value))
