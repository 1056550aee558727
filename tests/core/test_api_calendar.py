"""GET and PUT /api/v1/company/calendar: an administrator reads and sets the working days, hours and
holidays that deadlines count; bad input is a 400 naming the field; nothing is changed then."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import calendar
from core.extensions import db
from core.models import AuditEntry, WorkingCalendar
from tests import factories

WEEK = {"weekdays": [1, 2, 3, 4, 5], "day_start": "09:00", "day_end": "18:00",
        "holidays": [{"day": "2027-02-17", "name": "春节"}, {"day": "2027-01-01", "name": "元旦"}]}


@pytest.fixture
def admin(app, world):
    return factories.ApiClient(app, world.users["administrator"])


def test_a_company_without_a_calendar_reads_as_working_around_the_clock(admin):
    response = admin.get("/api/v1/company/calendar")

    assert response.status_code == 200
    assert response.get_json() == {"weekdays": [1, 2, 3, 4, 5, 6, 7], "day_start": "00:00:00",
                                   "day_end": "00:00:00", "holidays": [], "around_the_clock": True,
                                   "time_zone": "Asia/Shanghai"}


def test_the_administrator_sets_office_hours_and_deadlines_count_them(app, world, admin):
    response = admin.put("/api/v1/company/calendar", json=WEEK)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["weekdays"], body["day_start"], body["day_end"], body["around_the_clock"]) == (
        [1, 2, 3, 4, 5], "09:00:00", "18:00:00", False)
    assert body["holidays"] == [{"day": "2027-01-01", "name": "元旦"}, {"day": "2027-02-17", "name": "春节"}]
    db.session.expire_all()
    shanghai = ZoneInfo("Asia/Shanghai")
    friday_evening = datetime(2026, 12, 4, 17, tzinfo=shanghai)  # one hour on Friday, one on Monday morning
    assert calendar.add_working_hours(world.company.id, friday_evening, 2) == datetime(2026, 12, 7, 10, tzinfo=shanghai)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "calendar_saved")).scalar_one()
    assert entry.actor_id == world.users["administrator"].id and entry.before is None
    assert entry.after == {"weekdays": [1, 2, 3, 4, 5], "day_start": "09:00", "day_end": "18:00",
                           "holidays": ["2027-01-01", "2027-02-17"]}

    # Holidays left out stay as they are; the change is audited with what it was before.
    again = admin.put("/api/v1/company/calendar", json={"weekdays": [1, 2, 3, 4, 5, 6], "day_start": "08:30",
                                                        "day_end": "00:00"})
    assert again.status_code == 200 and len(again.get_json()["holidays"]) == 2
    assert again.get_json()["day_end"] == "00:00:00"  # midnight: to the end of the day
    last = db.session.execute(select(AuditEntry).where(AuditEntry.action == "calendar_saved")
                              .order_by(AuditEntry.id.desc())).scalars().first()
    assert last.before["day_start"] == "09:00" and "holidays" not in last.after


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"weekdays": []}, "weekdays", "at least one weekday"),
    ({"weekdays": [0, 8]}, "weekdays[0]", "greater than or equal to 1"),
    ({"day_start": "9 o'clock"}, "day_start", "Not a valid time"),
    ({"day_start": "09:00+08:00"}, "day_start", "without a time zone"),
    ({"day_start": "18:00", "day_end": "09:00"}, "day_end", "the working day ends after it starts"),
    ({"holidays": [{"day": "2027-01-01"}, {"day": "2027-01-01", "name": "again"}]}, "holidays",
     "a day is listed twice"),
    ({"holidays": [{"day": "2027-13-01"}]}, "holidays[0].day", "Not a valid date"),
    ({"holidays": [{"day": "2027-01-01", "name": "x" * 121}]}, "holidays[0].name", "Longer than maximum"),
])
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(admin, change, field, message):
    response = admin.put("/api/v1/company/calendar", json={**WEEK, **change})

    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert any(error["field"] == field and message in error["message"] for error in errors), errors
    assert db.session.execute(select(WorkingCalendar)).first() is None


def test_only_who_may_set_the_calendar_reads_or_changes_it(app, world):
    sales = factories.ApiClient(app, world.users["sales"])

    for response in (sales.get("/api/v1/company/calendar"), sales.put("/api/v1/company/calendar", json=WEEK)):
        assert response.status_code == 403 and response.get_json()["permissions"] == ["company.calendar"]
    assert db.session.execute(select(WorkingCalendar)).first() is None


def test_the_calendar_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert set(paths["/api/v1/company/calendar"]) == {"get", "put"}
    assert {"200", "400", "403"} <= set(paths["/api/v1/company/calendar"]["put"]["responses"])


def test_a_read_writes_nothing(admin):
    admin.put("/api/v1/company/calendar", json=WEEK)
    before = db.session.execute(select(AuditEntry.id)).scalars().all()

    assert admin.get("/api/v1/company/calendar").status_code == 200
    assert db.session.execute(select(AuditEntry.id)).scalars().all() == before
    assert db.session.get(WorkingCalendar, admin.get("/api/v1/me").get_json()["company"]["id"]).day_start == time(9)
