"""Working hours: deadlines counted in a company's calendar (working days, hours, holidays), 24×7 without one."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import calendar
from core.db import commit
from core.errors import ValidationError
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), SHANGHAI)


def test_a_company_without_a_calendar_works_around_the_clock(app):
    company = factories.company()
    start = at("2026-12-04", 17)  # a Friday evening

    assert calendar.add_working_hours(company.id, start, 24) == start + timedelta(hours=24)


def test_a_limit_that_runs_into_the_weekend_continues_on_monday_morning(app):
    company = factories.company()
    calendar.set_calendar(company.id, weekdays=[1, 2, 3, 4, 5], day_start=time(9), day_end=time(18))
    commit()

    # Friday 16:00 plus 4 working hours: two on Friday, two on Monday from 09:00.
    assert calendar.add_working_hours(company.id, at("2026-12-04", 16), 4) == at("2026-12-07", 11)
    # Saturday counts nothing: 3 hours from Saturday noon end on Monday at 12:00.
    assert calendar.add_working_hours(company.id, at("2026-12-05", 12), 3) == at("2026-12-07", 12)
    cal = calendar.calendar_for(company.id)
    assert cal.working_hours_between(at("2026-12-04", 16), at("2026-12-07", 11)) == timedelta(hours=4)
    assert cal.working_days(date(2026, 12, 4), date(2026, 12, 7)) == 2


def test_holidays_are_not_working_days(app):
    company = factories.company()
    calendar.set_calendar(company.id, weekdays=[1, 2, 3, 4, 5], day_start=time(9), day_end=time(18),
                          holidays={date(2027, 1, 1): "元旦"})
    commit()

    # Thursday 17:00 plus 2 hours: one on Thursday, New Year's Day off, one on Monday.
    assert calendar.add_working_hours(company.id, at("2026-12-31", 17), 2) == at("2027-01-04", 10)
    assert calendar.calendar_for(company.id).add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_counting_back_skips_the_weekend_and_holidays_and_undoes_adding(app):
    company = factories.company()
    calendar.set_calendar(company.id, weekdays=[1, 2, 3, 4, 5], day_start=time(9), day_end=time(18),
                          holidays={date(2027, 1, 1): "元旦"})
    commit()
    cal = calendar.calendar_for(company.id)

    # Monday 11:00 less 4 working hours: two on Monday from 09:00, two on Friday before 18:00.
    assert calendar.subtract_working_hours(company.id, at("2026-12-07", 11), 4) == at("2026-12-04", 16)
    # Monday 10:00 less 2 hours: one on Monday, New Year's Day off, one on Thursday before 18:00.
    assert cal.subtract(at("2027-01-04", 10), 2) == at("2026-12-31", 17)
    # Due outside working time: counting starts at the close of the last working period.
    assert cal.subtract(at("2026-12-07", 0), 0) == at("2026-12-04", 18)
    assert cal.subtract(at("2026-12-06", 12), 9) == at("2026-12-04", 9)
    for start, hours in ((at("2026-12-03", 10), 13), (at("2026-12-31", 9, 30), 20), (at("2026-12-04", 17), 0.5)):
        assert cal.subtract(cal.add(start, hours), hours) == start
        assert cal.working_hours_between(cal.subtract(start, hours), start) == timedelta(hours=hours)


def test_counting_back_around_the_clock_is_plain_hours(app):
    company = factories.company()
    end = at("2026-12-07", 3)
    assert calendar.subtract_working_hours(company.id, end, 30) == end - timedelta(hours=30)


def test_a_calendar_with_no_working_day_or_an_end_before_its_start_is_refused(app):
    company = factories.company()
    with pytest.raises(ValidationError) as no_days:
        calendar.set_calendar(company.id, weekdays=[], day_start=time(9), day_end=time(18))
    assert no_days.value.field == "weekdays"
    with pytest.raises(ValidationError) as backwards:
        calendar.set_calendar(company.id, weekdays=[1], day_start=time(18), day_end=time(9))
    assert backwards.value.field == "day_end"
