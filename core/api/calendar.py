"""The working calendar's API: ``GET`` and ``PUT /api/v1/company/calendar``, with its schemas.

The calendar (``core.calendar``) counts review limits and other deadlines in
working hours: which weekdays, from when to when in the company's time zone,
and its holidays. Until one is saved the company works around the clock.
"""
from __future__ import annotations

from datetime import time
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from core import calendar
from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.extensions import db
from core.models import WorkingCalendar

blp = ApiBlueprint("calendar_api", __name__, description="The company's working calendar")

SET_CALENDAR = "company.calendar"
MAX_HOLIDAYS = 1000


class LocalTime(ma.fields.Time):
    """A time of day in the company's time zone: one with an offset of its own is refused."""

    default_error_messages = {"zoned": _l("a local time of day (HH:MM) without a time zone")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> time:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            raise self.make_error("zoned")
        return moment


class HolidaySchema(ma.Schema):
    day = ma.fields.Date(required=True, metadata={"example": "2027-02-17"})
    name = ma.fields.String(load_default="", validate=validate.Length(max=calendar.HOLIDAY_NAME),
                            metadata={"example": "春节"})


class CalendarSchema(ma.Schema):
    """When the company works: limits in working hours count only this time."""

    weekdays = ma.fields.List(
        ma.fields.Integer(validate=validate.Range(min=1, max=7)), required=True,
        validate=validate.Length(min=1, max=7, error=_l("at least one weekday, at most seven")),
        metadata={"description": "ISO weekdays worked: 1 Monday to 7 Sunday", "example": [1, 2, 3, 4, 5]})
    day_start = LocalTime(required=True, metadata={
        "description": "when a working day starts, local time (HH:MM)", "example": "09:00"})
    day_end = LocalTime(required=True, metadata={
        "description": "when it ends, after day_start; 00:00 means midnight (to the end of the day)",
        "example": "18:00"})
    holidays = ma.fields.List(ma.fields.Nested(HolidaySchema), validate=validate.Length(max=MAX_HOLIDAYS), metadata={
        "description": "days not worked whatever the weekday; on PUT, sent replaces them all, left out keeps them"})
    around_the_clock = ma.fields.Boolean(dump_only=True, metadata={
        "description": "true until a calendar is saved: every hour of every day counts"})
    time_zone = ma.fields.String(dump_only=True, metadata={
        "description": "the company's time zone, in which days and hours are read", "example": "Asia/Shanghai"})

    @ma.validates_schema
    def _distinct_holidays(self, data: dict[str, Any], **kwargs: Any) -> None:
        days = [holiday["day"] for holiday in data.get("holidays") or ()]
        if len(days) != len(set(days)):
            raise ma.ValidationError(_l("a day is listed twice"), "holidays")


def _calendar(company_id: int) -> dict[str, Any]:
    row = db.session.get(WorkingCalendar, company_id)
    company = require_actor().company
    return {"weekdays": row.weekdays if row else list(range(1, 8)),
            "day_start": row.day_start if row else time(0, 0), "day_end": row.day_end if row else time(0, 0),
            "holidays": calendar.holidays_of(company_id), "around_the_clock": row is None,
            "time_zone": company.timezone}


@blp.route("/company/calendar")
class Calendar(MethodView):
    @requires(SET_CALENDAR)
    @blp.response(200, CalendarSchema)
    def get(self):
        """The company's working days, hours and holidays."""
        return _calendar(require_actor().company_id)

    @requires(SET_CALENDAR)
    @blp.arguments(CalendarSchema)
    @blp.response(200, CalendarSchema)
    def put(self, data):
        """Set the working days and hours (and, when sent, the holidays); deadlines set from now on count them."""
        actor = require_actor()
        holidays = ({holiday["day"]: holiday["name"] for holiday in data["holidays"]}
                    if "holidays" in data else None)
        calendar.set_calendar(actor.company_id, weekdays=data["weekdays"], day_start=data["day_start"],
                              day_end=data["day_end"], holidays=holidays, actor=actor)
        return _calendar(actor.company_id)
