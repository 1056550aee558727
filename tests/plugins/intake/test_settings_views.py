"""The intake settings page: an administrator sets the order number's format, the duplicate window and
whether customers' portal orders are submitted at once; every change is checked and audited."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry
from plugins.intake.settings import settings_for
from tests import factories, orders
from tests.factories import portal_login

CHANGE = {"number_format": "{prefix}-{date:%y%m%d}-{seq:03d}", "duplicate_window_days": "3",
          "portal_submits_directly": "y"}


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def portal_box(page: str) -> str:
    """The page's "portal orders are submitted at once" checkbox."""
    found = re.search(r'<input[^>]*name="portal_submits_directly"[^>]*>', page)
    assert found is not None
    return found.group(0)


def test_only_who_sets_how_orders_are_taken_opens_the_page(app, world):
    assert portal_login(app, world.users["sales"]).get("/intake/settings").status_code == 403

    page = portal_login(app, world.users["administrator"]).get("/intake/settings").get_data(as_text=True)

    assert 'value="{prefix}{date:%Y%m%d}-{seq:04d}"' in page and 'name="duplicate_window_days"' in page
    assert "Today the first order would be numbered SO" in page
    assert "checked" not in portal_box(page)


def test_the_administrator_lets_customers_portal_orders_be_submitted_at_once(app, world):
    admin = portal_login(app, world.users["administrator"])

    response = admin.post("/intake/settings", data=CHANGE, follow_redirects=True)

    assert "The intake settings are saved." in response.get_data(as_text=True)
    db.session.expire_all()
    saved = settings_for(world.company.id)
    assert (saved.number_format, saved.duplicate_window_days, saved.portal_submits_directly) == (
        "{prefix}-{date:%y%m%d}-{seq:03d}", 3, True)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity == "intake_setting")).scalar_one()
    assert entry.actor_id == world.users["administrator"].id and entry.after["portal_submits_directly"] is True
    assert entry.before["duplicate_window_days"] == 7
    page = admin.get("/intake/settings").get_data(as_text=True)
    assert "checked" in portal_box(page)


def test_a_format_without_the_sequence_is_refused_at_its_field_and_nothing_changes(app, world):
    admin = portal_login(app, world.users["administrator"])

    response = admin.post("/intake/settings", data={**CHANGE, "number_format": "SO{date:%Y%m%d}"})
    window = admin.post("/intake/settings", data={**CHANGE, "duplicate_window_days": "400"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="number_format-error1">the number format needs both {date} and {seq}' in html
    assert 'aria-invalid="true"' in html and 'value="SO{date:%Y%m%d}"' in html  # the typed value stays
    assert 'id="duplicate_window_days-error1">' in window.get_data(as_text=True)
    db.session.expire_all()
    assert settings_for(world.company.id).number_format == "{prefix}{date:%Y%m%d}-{seq:04d}"
    assert db.session.execute(select(AuditEntry).where(AuditEntry.entity == "intake_setting")).first() is None


def test_the_page_reads_as_many_statements_with_many_orders_and_users_as_with_one(app, world):
    admin = portal_login(app, world.users["administrator"])
    orders.draft(world)
    admin.post("/intake/settings", data=CHANGE)
    commit()
    with statements() as before:
        assert admin.get("/intake/settings").status_code == 200
    for n in range(5):
        factories.user(world.company, "sales", username=f"clerk-{n}")
        orders.draft(world)
    admin.post("/intake/settings", data={**CHANGE, "duplicate_window_days": "5"})
    commit()

    with statements() as after:
        assert admin.get("/intake/settings").status_code == 200

    assert len(after) == len(before)
    assert not [s for s in after if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
