"""A company's working-hours calendar: working days, hours and holidays.

A company without a calendar works around the clock, every day (24×7): review
limits and other deadlines in working hours are then plain hours.
"""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import JSON, Date, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model


class WorkingCalendar(Model):
    """When a company works, in its own time zone: which weekdays, from when to when."""

    __tablename__ = "working_calendar"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    # ISO weekdays, Monday 1 to Sunday 7.
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 2, 3, 4, 5])
    day_start: Mapped[time] = mapped_column(Time(), default=time(9, 0))
    day_end: Mapped[time] = mapped_column(Time(), default=time(18, 0))


class Holiday(Model):
    """A day the company does not work, whatever the weekday."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("company_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")
