"""Billing's dates: the end of the following month, when monthly settlement falls due."""
from __future__ import annotations

from datetime import date

import pytest

from plugins.billing import dates


@pytest.mark.parametrize(("day", "due"), [
    (date(2026, 11, 27), date(2026, 12, 31)),
    (date(2026, 12, 1), date(2027, 1, 31)),
    (date(2027, 1, 31), date(2027, 2, 28)),
    (date(2028, 1, 15), date(2028, 2, 29)),
])
def test_monthly_settlement_falls_due_at_the_end_of_the_following_month(day, due):
    assert dates.end_of_following_month(day) == due
