"""The period an analysis covers: ``months`` whole months' worth of days ending on ``as_of`` (both in the
company's time zone), the same length before it for growth, and its calendar months for trends."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from core.errors import ValidationError
from core.models import Company

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
EARLIEST = date(2000, 1, 1)
# An analysis is of what happened: a day past this far ahead is a typing error.
FURTHEST_AHEAD = timedelta(days=366)


def months_before(day: date, months: int) -> date:
    """The day ``months`` calendar months before ``day`` (the month's last day where ``day`` has no twin)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``as_of``, both included; the previous period ends the day before ``first``."""

    as_of: date
    months: int
    zone: ZoneInfo

    @property
    def first(self) -> date:
        return months_before(self.as_of, self.months) + timedelta(days=1)

    @property
    def previous_first(self) -> date:
        return months_before(self.first - timedelta(days=1), self.months) + timedelta(days=1)

    def moment(self, day: date) -> datetime:
        """The start of ``day`` in the company's zone."""
        return datetime.combine(day, time.min, self.zone)

    @property
    def start(self) -> datetime:
        return self.moment(self.first)

    @property
    def end(self) -> datetime:
        """The start of the day after ``as_of``: the period's moments are ``start <= t < end``."""
        return self.moment(self.as_of + timedelta(days=1))

    @property
    def previous_start(self) -> datetime:
        return self.moment(self.previous_first)

    def month_starts(self) -> list[date]:
        """The first day of each calendar month the period touches, oldest first."""
        found = []
        day = self.first.replace(day=1)
        while day <= self.as_of:
            found.append(day)
            day = (day + timedelta(days=32)).replace(day=1)
        return found

    def month_bounds(self) -> list[tuple[date, datetime, datetime]]:
        """Each month of the period with its moments, clipped to the period: ``(first of month, from, to)``."""
        starts = self.month_starts()
        bounds = []
        for index, month in enumerate(starts):
            start = max(self.start, self.moment(month))
            end = self.moment(starts[index + 1]) if index + 1 < len(starts) else self.end
            bounds.append((month, start, end))
        return bounds

    def params(self) -> dict[str, Any]:
        """The query parameters that name this period, for links."""
        return {"as_of": self.as_of.isoformat(), "months": str(self.months)}


def parse_period(company: Company, as_of: date | str | None, months: int | str | None) -> Period:
    """The period asked for, checked; a ValidationError naming ``as_of`` or ``months`` otherwise."""
    today = company.today()
    if as_of is None or as_of == "":
        day = today
    elif isinstance(as_of, date):
        day = as_of
    else:
        try:
            day = date.fromisoformat(str(as_of).strip())
        except ValueError:
            raise ValidationError(_("as_of must be a date like %(example)s", example=today.isoformat()),
                                  field="as_of") from None
    if not EARLIEST <= day <= today + FURTHEST_AHEAD:
        raise ValidationError(_("as_of must lie between %(first)s and a year after today",
                                first=EARLIEST.isoformat()), field="as_of")
    if months is None or months == "":
        count = DEFAULT_MONTHS
    else:
        text = str(months).strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_MONTHS:
            raise ValidationError(_("months must be a whole number from 1 to %(most)s", most=MAX_MONTHS),
                                  field="months")
        count = int(text)
    return Period(day, count, company.zone)
