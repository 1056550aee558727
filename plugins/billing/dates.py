"""Billing's dates, in the company's time zone: today, a day's end, the end of the following month."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from core.extensions import db
from core.models import Company, utcnow

END_OF_DAY = time(23, 59, 59)  # when a day's deadline passes


def company_zone(company_id: int) -> ZoneInfo:
    return db.session.get_one(Company, company_id).zone


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def company_today(company_id: int) -> date:
    return local_date(utcnow(), company_zone(company_id))


def end_of_following_month(day: date) -> date:
    first_of_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    first_after_that = (first_of_next + timedelta(days=32)).replace(day=1)
    return first_after_that - timedelta(days=1)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last moment of ``day`` in ``zone``, in UTC like every moment the app stores and serves (tasks from
    several plugins are sorted and listed together)."""
    return datetime.combine(day, END_OF_DAY, tzinfo=zone).astimezone(timezone.utc)
