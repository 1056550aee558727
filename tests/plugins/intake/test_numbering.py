"""Order numbers: given at submission only, in the company's format, no duplicates and no gaps."""
from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from sqlalchemy import select

from core.db import commit
from core.errors import ValidationError
from core.extensions import db
from core.models import AuditEntry, Order, User
from plugins.intake import services
from plugins.intake.manifest import MANIFEST
from plugins.intake.settings import settings_for, update_settings
from tests import factories
from tests.plugins.intake.helpers import draft

ON_POSTGRES = os.environ.get("ORDO_TEST_DATABASE_URL", "").startswith("postgres")


def test_a_draft_has_no_number_until_it_is_submitted(world):
    order = draft(world)
    assert order.number is None and order.display_number == f"#{order.id}"

    services.submit(order, world.users["sales"])

    assert order.number == f"SO{world.company.today():%Y%m%d}-0001"


def test_the_number_format_is_the_companys(app, world):
    update_settings(world.company, {"number_format": "{prefix}-{date:%y%m}-{seq:05d}"}, world.users["administrator"])
    other = factories.build_world(app, code="XYZ")

    assert services.next_number(world.company, date(2026, 11, 27)) == "SO-2611-00001"
    assert services.next_number(other.company, date(2026, 11, 27)) == "SO20261127-0001"  # the default


def test_changing_the_settings_is_audited(world):
    update_settings(world.company, {"duplicate_window_days": 14}, world.users["administrator"])

    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "settings_changed")).scalar_one()
    assert entry.before["duplicate_window_days"] == 7 and entry.after["duplicate_window_days"] == 14
    assert settings_for(world.company.id).duplicate_window_days == 14


@pytest.mark.parametrize(("number_format", "message"), [
    ("SO-{seq:04d}", "the number format needs both {date} and {seq}, for example SO{date:%Y%m%d}-{seq:04d}"),
    ("SO{date:%Y%m%d}", "the number format needs both {date} and {seq}, for example SO{date:%Y%m%d}-{seq:04d}"),
    ("{prefix}{day}-{seq}", "the number format may only use {prefix}, {date} and {seq}, not day"),
    ("SO{date:%Y%m%d}-{seq:04d", "the number format 'SO{date:%Y%m%d}-{seq:04d' cannot be read: "
                                 "unmatched '{' in format spec"),
    ("{date:%Y%m%d}{seq:030d}", "the number format gives numbers longer than 32 characters, such as "
                                "20261231000000000000000000000000009999"),
])
def test_a_number_format_that_could_not_number_uniquely_is_refused(world, number_format, message):
    with pytest.raises(ValidationError) as refused:
        update_settings(world.company, {"number_format": number_format}, world.users["administrator"])
    assert refused.value.field == "number_format" and refused.value.message == message


def test_an_administrator_sets_the_format_through_the_api(app, world):
    admin = factories.ApiClient(app, world.users["administrator"])

    assert admin.get("/api/v1/intake/settings").get_json() == {
        "number_format": "{prefix}{date:%Y%m%d}-{seq:04d}", "duplicate_window_days": 7,
        "portal_submits_directly": False}
    changed = admin.put("/api/v1/intake/settings", json={"number_format": "SO{date:%Y%m%d}{seq:03d}"})
    refused = admin.put("/api/v1/intake/settings", json={"number_format": "SO{seq}"})
    clerk = factories.ApiClient(app, world.users["sales"]).get("/api/v1/intake/settings")

    assert changed.status_code == 200 and changed.get_json()["number_format"] == "SO{date:%Y%m%d}{seq:03d}"
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "number_format"
    assert clerk.status_code == 403


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent transactions need PostgreSQL: SQLite has one writer at a time")
def test_twenty_concurrent_submissions_get_twenty_distinct_consecutive_numbers(make_app):
    clerks = 20
    # One connection per clerk, all holding a transaction at once.
    app = make_app({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": clerks + 2, "pool_pre_ping": True}},
                   plugins=[MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        update_settings(world.company, {"number_format": "SO{date:%Y%m%d}-{seq:04d}"}, world.users["administrator"])
        commit()
        order_ids = [draft(world).id for _ in range(clerks)]
        clerk_ids = [factories.user(world.company, "sales", username=f"clerk-{n}").id for n in range(clerks)]
        start = threading.Barrier(clerks, timeout=60)
        numbers: list[str] = []
        errors: list[BaseException] = []

        def submit(order_id: int, clerk_id: int) -> None:
            with app.app_context():
                try:
                    order, clerk = db.session.get(Order, order_id), db.session.get(User, clerk_id)
                    start.wait()
                    services.submit(order, clerk)
                    commit()
                    numbers.append(order.number)
                except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                    errors.append(error)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=submit, args=pair) for pair in zip(order_ids, clerk_ids, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        today = world.company.today()
        assert sorted(numbers) == [f"SO{today:%Y%m%d}-{n:04d}" for n in range(1, clerks + 1)]
        db.session.expire_all()
        stored = db.session.execute(select(Order.number).where(Order.number.is_not(None))).scalars().all()
        assert sorted(stored) == sorted(numbers)
