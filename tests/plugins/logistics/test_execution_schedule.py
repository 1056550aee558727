"""The date arithmetic of a plan: dependencies in order, due dates counted back, the earliest finish forwards."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.calendar import Calendar
from plugins.logistics.execution.schedule import (
    Cycle, Step, deadline_of, due_dates, earliest_finish, first_day_after, ordered,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = Calendar(SHANGHAI, frozenset({1, 2, 3, 4, 5}), time(9), time(18))
ROUND_THE_CLOCK = Calendar(SHANGHAI)


def at(day: str, hour: int) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), SHANGHAI)


def test_steps_come_after_what_they_wait_for_and_a_loop_is_named():
    steps = [Step("c", "C", Decimal(1), ("b",)), Step("a", "A", Decimal(1)), Step("b", "B", Decimal(1), ("a",))]
    assert [step.ref for step in ordered(steps)] == ["a", "b", "c"]
    with pytest.raises(Cycle) as loop:
        ordered([Step("a", "A", Decimal(1), ("c",)), *steps[:1], steps[2]])
    assert loop.value.names[0] == loop.value.names[-1] and set(loop.value.names) == {"A", "B", "C"}


def test_due_dates_run_back_from_the_deadline_through_branches():
    # Two branches meet at assembly: each is due when assembly must start, in office hours.
    steps = [Step("motor", "电机", Decimal(8)), Step("casing", "壳体", Decimal(4)),
             Step("assembly", "装配", Decimal(6), ("motor", "casing"))]
    due = due_dates(steps, deadline_of(date(2026, 12, 8), SHANGHAI), OFFICE)  # a Tuesday
    assert due == {"assembly": at("2026-12-07", 18), "motor": at("2026-12-07", 12), "casing": at("2026-12-07", 12)}


def test_the_earliest_finish_counts_forwards_from_now_past_what_is_done():
    steps = [Step(1, "A", Decimal(10)), Step(2, "B", Decimal(5), (1,))]
    now = at("2026-12-04", 16)  # a Friday
    assert earliest_finish(steps, now, OFFICE, finished={}, started={}) == at("2026-12-08", 13)
    assert earliest_finish(steps, now, OFFICE, finished={1: at("2026-12-04", 10)}, started={}) == \
        at("2026-12-07", 12)
    assert first_day_after(at("2026-12-08", 13), SHANGHAI) == date(2026, 12, 9)
    assert first_day_after(datetime.combine(date(2026, 12, 9), time.min, SHANGHAI), SHANGHAI) == date(2026, 12, 9)
    assert earliest_finish([], now, ROUND_THE_CLOCK, finished={}, started={}) == now - timedelta(0)
