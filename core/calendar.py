"""Working hours: a deadline counted in a company's working time, and its working days.

A review step's limit, a KPI's timeliness and a production period are counted
forwards (``add``) and an execution plan's latest starts backwards (``subtract``)
in the company's calendar (``core.models.WorkingCalendar`` and ``Holiday``),
in its time zone. A company without a calendar works 24×7, so its working
hours are plain hours; holidays count for it too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.errors import ValidationError
from core.extensions import db
from core.models import Company, Holiday, User, WorkingCalendar
from core.session_memo import remembered

ALL_WEEK = frozenset(range(1, 8))
HOLIDAY_NAME = 120  # Holiday.name
MAX_DAYS = 3660  # a limit that finds no working time within ten years has no working days at all


@dataclass(frozen=True)
class Calendar:
    """A company's working time, read once for a computation."""

    zone: ZoneInfo
    weekdays: frozenset[int] = ALL_WEEK  # ISO weekdays
    start: time = time(0, 0)
    end: time | None = None  # None: to the end of the day
    holidays: frozenset[date] = frozenset()

    @property
    def around_the_clock(self) -> bool:
        return self.weekdays == ALL_WEEK and self.start == time(0, 0) and self.end is None and not self.holidays

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def _hours_of(self, day: date) -> tuple[datetime, datetime]:
        opens = datetime.combine(day, self.start, self.zone)
        closes = (datetime.combine(day, self.end, self.zone) if self.end is not None
                  else datetime.combine(day + timedelta(days=1), time(0, 0), self.zone))
        return opens, closes

    def add(self, start: datetime, hours: float | int) -> datetime:
        """The moment ``hours`` working hours after ``start`` (timezone-aware; UTC back)."""
        left = timedelta(hours=hours)
        if self.around_the_clock:
            return start + left
        moment = start.astimezone(self.zone)
        day = moment.date()
        for _day in range(MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self._hours_of(day)
                begin = max(moment, opens)
                if begin < closes:
                    available = closes - begin
                    if left <= available:
                        return (begin + left).astimezone(start.tzinfo)
                    left -= available
            day += timedelta(days=1)
        raise ValueError("the calendar has no working time")

    def subtract(self, end: datetime, hours: float | int) -> datetime:
        """The moment ``hours`` working hours before ``end``: the latest start of work due at ``end``.

        Counting back from outside working time starts at the close of the last
        working period before ``end``, so zero hours before a Monday 08:00 is the
        Friday evening's close (as ``add`` of zero hours from Saturday is Monday's opening).
        """
        left = timedelta(hours=hours)
        if self.around_the_clock:
            return end - left
        moment = end.astimezone(self.zone)
        day = moment.date()
        for _day in range(MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self._hours_of(day)
                finish = min(moment, closes)
                if finish > opens:
                    available = finish - opens
                    if left <= available:
                        return (finish - left).astimezone(end.tzinfo)
                    left -= available
            day -= timedelta(days=1)
        raise ValueError("the calendar has no working time")

    def working_hours_between(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two moments (zero when ``end`` is not later)."""
        if end <= start:
            return timedelta(0)
        if self.around_the_clock:
            return end - start
        total = timedelta(0)
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._hours_of(day)
                begin, finish = max(start, opens), min(end, closes)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total

    def working_days(self, first: date, last: date) -> int:
        """How many working days from ``first`` to ``last``, both included."""
        count, day = 0, first
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def add_working_days(self, day: date, days: int) -> date:
        """The working day ``days`` working days after ``day``."""
        for _day in range(MAX_DAYS):
            if days <= 0 and self.is_working_day(day):
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        raise ValueError("the calendar has no working days")


def calendar_for(company_id: int) -> Calendar:
    """The company's calendar: its working days, hours and holidays, or 24×7 without one.

    Read once per unit of work (core.session_memo): every deadline and time-left of a page uses it.
    """
    return remembered(("calendar", company_id), lambda: _read_calendar(company_id),
                      tables=(Company.__tablename__, Holiday.__tablename__, WorkingCalendar.__tablename__))


def _read_calendar(company_id: int) -> Calendar:
    company = db.session.get(Company, company_id)
    zone = company.zone if company is not None else ZoneInfo("UTC")
    # The working days and hours and the holidays in one statement: the calendar's row on each holiday's.
    rows = db.session.execute(
        select(WorkingCalendar, Holiday.day).select_from(Company)
        .outerjoin(WorkingCalendar, WorkingCalendar.company_id == Company.id)
        .outerjoin(Holiday, Holiday.company_id == Company.id)
        .where(Company.id == company_id)).all()
    holidays = frozenset(day for _row, day in rows if day is not None)
    row = rows[0][0] if rows else None
    if row is None:
        return Calendar(zone, holidays=holidays)
    end = None if row.day_end == time(0, 0) else row.day_end
    return Calendar(zone, frozenset(row.weekdays), row.day_start, end, holidays)


def add_working_hours(company_id: int, start: datetime, hours: float | int) -> datetime:
    """The deadline ``hours`` working hours after ``start`` in the company's calendar."""
    return calendar_for(company_id).add(start, hours)


def subtract_working_hours(company_id: int, end: datetime, hours: float | int) -> datetime:
    """The latest start of ``hours`` working hours of work due at ``end``, in the company's calendar."""
    return calendar_for(company_id).subtract(end, hours)


def holidays_of(company_id: int) -> list[Holiday]:
    """The company's holidays, in date order."""
    return list(db.session.execute(select(Holiday).where(Holiday.company_id == company_id)
                                   .order_by(Holiday.day)).scalars())


def set_calendar(company_id: int, *, weekdays: list[int], day_start: time, day_end: time,
                 holidays: dict[date, str] | None = None, actor: User | None = None) -> WorkingCalendar:
    """Set the company's working days and hours (and, when given, replace its holidays); audited."""
    if not weekdays or not set(weekdays) <= ALL_WEEK:
        raise ValidationError(_("working days are weekdays 1 (Monday) to 7 (Sunday), at least one"),
                              field="weekdays")
    if day_end != time(0, 0) and day_end <= day_start:
        raise ValidationError(_("the working day ends after it starts"), field="day_end")
    for day, name in (holidays or {}).items():
        if len(name) > HOLIDAY_NAME:
            raise ValidationError(_("the name of the holiday on %(day)s is longer than %(max)s characters",
                                    day=day.isoformat(), max=HOLIDAY_NAME), field="holidays")
    row = db.session.get(WorkingCalendar, company_id)
    before = _state(row, None)
    if row is None:
        row = WorkingCalendar(company_id=company_id)
        db.session.add(row)
    row.weekdays = sorted(set(weekdays))
    row.day_start, row.day_end = day_start, day_end
    if holidays is not None:
        for old in db.session.execute(select(Holiday).where(Holiday.company_id == company_id)).scalars():
            db.session.delete(old)
        db.session.flush()
        db.session.add_all(Holiday(company_id=company_id, day=day, name=name) for day, name in holidays.items())
    db.session.flush()
    audit.record(company_id=company_id, entity="working_calendar", entity_id=company_id, action="calendar_saved",
                 actor=actor, before=before, after=_state(row, holidays))
    return row


def _state(row: WorkingCalendar | None, holidays: dict[date, str] | None) -> dict[str, Any] | None:
    """What the audit entry records of a calendar: days, hours and, when they were replaced, the holidays."""
    if row is None:
        return None
    state: dict[str, Any] = {"weekdays": list(row.weekdays), "day_start": row.day_start.isoformat("minutes"),
                             "day_end": row.day_end.isoformat("minutes")}
    if holidays is not None:
        state["holidays"] = sorted(day.isoformat() for day in holidays)
    return state
