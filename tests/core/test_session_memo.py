"""Per-request work once: the company's modules, calendar and settings and the user's permissions are
worked out once per request, and afresh after anything is written."""
from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select, update

from core import calendar, modules
from core.db import commit
from core.extensions import db
from core.models import ModuleSetting, Role, RolePermission, User
from core.session_memo import commits, forget, remembered
from plugins.intake import settings as intake_settings
from plugins.review import policy
from tests import factories
from tests.core.test_queries import statements
from tests.flows import Flow
from tests import orders


def test_the_commits_of_a_write_are_counted_and_a_read_only_commit_is_not(app, world):
    """What an answer kept across requests (the menu's task count) compares with: a request that only reads
    commits at its end without moving it."""
    start = commits()
    db.session.execute(select(User.id)).all()
    commit()
    assert commits() == start
    db.session.execute(update(User).where(User.id == world.users["sales"].id).values(name="销售"))
    commit()
    assert commits() == start + 1
    world.users["sales"].name = "销售二"  # a change the flush writes
    commit()
    assert commits() == start + 2


def test_a_value_is_loaded_once_until_the_session_writes(app):
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert remembered("answer", load) == 1
    assert remembered("answer", load) == 1
    db.session.execute(select(User.id)).all()  # a read forgets nothing
    assert remembered("answer", load) == 1
    db.session.execute(update(User).where(User.id == -1).values(name="x"))  # a write through the session does
    assert remembered("answer", load) == 2
    db.session.rollback()
    assert remembered("answer", load) == 3
    forget(db.session())
    assert remembered("answer", load) == 4


def test_switching_a_module_off_is_seen_by_the_next_question_in_the_same_unit_of_work(app, world):
    assert "kpi" in modules.active_modules(world.company.id)
    modules.set_enabled(world.company, "kpi", False, actor=world.users["administrator"])
    assert "kpi" not in modules.active_modules(world.company.id)
    # A change that bypasses the ORM's unit of work is still a write through the session.
    db.session.execute(update(ModuleSetting).where(ModuleSetting.company_id == world.company.id,
                                                   ModuleSetting.module == "kpi").values(enabled=True))
    assert "kpi" in modules.active_modules(world.company.id)


def test_a_role_given_is_a_permission_at_once_even_before_it_is_flushed(app, world):
    clerk = world.users["production"]
    assert not clerk.can("billing.payment.record")
    finance = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                    Role.name == "finance")).scalar_one()
    clerk.roles.append(finance)
    assert clerk.can("billing.payment.record")
    clerk.roles.remove(finance)
    assert not clerk.can("billing.payment.record")
    production = clerk.roles[0]
    production.grants.append(RolePermission(permission="billing.payment.record"))
    assert clerk.can("billing.payment.record")


def test_the_calendar_saved_is_the_calendar_used(app, world):
    calendar.set_calendar(world.company.id, weekdays=[1, 2, 3, 4, 5], day_start=time(9), day_end=time(17))
    assert calendar.calendar_for(world.company.id).start == time(9)
    calendar.set_calendar(world.company.id, weekdays=[1, 2, 3, 4, 5], day_start=time(8), day_end=time(17))
    assert calendar.calendar_for(world.company.id).start == time(8)


def test_settings_saved_are_the_settings_read(app, world):
    admin = world.users["administrator"]
    assert intake_settings.settings_for(world.company.id).duplicate_window_days != 3
    intake_settings.update_settings(world.company, {"duplicate_window_days": 3}, admin)
    assert intake_settings.settings_for(world.company.id).duplicate_window_days == 3
    policy.save_settings(world.company.id, allow_self_approval=True, max_discount=policy.settings_for(
        world.company.id).max_discount, actor=admin)
    assert policy.settings_for(world.company.id).allow_self_approval


@pytest.fixture
def busy(make_app):
    """A company whose administrator sees 6 orders in flight on the order list."""
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        flow = Flow(app, world)
        for n in range(6):
            order = orders.submitted(world)
            commit()
            if n % 2:
                flow.approve_review({"id": order.id})
        portal = factories.portal_login(app, world.users["administrator"])
        engine = db.engine
    return app, engine, portal


@pytest.mark.parametrize("path", ["/orders", "/inbox"])
def test_a_page_reads_the_modules_and_the_calendar_once(busy, path):
    app, engine, portal = busy
    with statements(engine) as seen:
        response = portal.get(path)
    assert response.status_code == 200
    assert len([s for s in seen if "FROM module_setting" in s]) == 1, seen
    assert len([s for s in seen if "FROM working_calendar" in s]) <= 1, seen


def test_the_order_list_reads_the_users_permissions_with_the_user(busy, monkeypatch):
    app, engine, portal = busy
    worked_out: list[User] = []
    original = User._permissions

    def counting(self: User) -> frozenset[str]:
        worked_out.append(self)
        return original(self)

    monkeypatch.setattr(User, "_permissions", counting)
    assert portal.get("/orders").status_code == 200
    # The session's user comes with the names of their permissions; nothing works them out again.
    assert worked_out == []
