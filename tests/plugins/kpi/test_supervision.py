"""Supervision: the audit browser and its standing views, stuck orders, and the confidential violation
channel that only supervisors read — administrators included among those refused."""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from core import audit, companies
from core.contracts import OverdueKind, ReviewOverdue
from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Order, utcnow
from core.orders import events
from plugins.kpi.supervision import violations
from plugins.kpi.supervision.audit_lists import ESCALATIONS, audit_spec
from plugins.kpi.supervision.models import ViolationReport, ViolationStatus
from tests.clones import clone_order
from tests.core.test_queries import statements
from tests.factories import ROLES, ApiClient, portal_login
from tests.plugins.kpi.analytics_data import order_for

ENGLISH = {"Accept-Language": "en"}
OTHERS = [role for role in ROLES if role != "supervisor"] + ["customer"]


def _entry(world, action: str, note: str | None = None, order_id: int | None = None, actor=None) -> None:
    audit.record(company_id=world.company.id, entity="order", entity_id=order_id, action=action,
                 actor=actor or world.users["manager"], note=note, order_id=order_id)


def test_the_audit_browser_lists_and_filters_every_entry_and_exports_what_it_lists(app, world):
    order = order_for(world, world.customers[0].id, 5, utcnow().date())
    _entry(world, "review_finding_overridden", "the customer is a long-standing one", order.id)
    _entry(world, "credit_hold_released", "paid the overdue invoice in cash", None, world.users["finance"])
    commit()
    supervisor = portal_login(app, world.users["supervisor"])
    page = supervisor.get("/supervision/audit", headers=ENGLISH).get_data(as_text=True)
    assert "paid the overdue invoice in cash" in page and order.number in page
    by_user = supervisor.get(f"/supervision/audit?user={world.users['finance'].id}", headers=ENGLISH)
    assert "paid the overdue invoice" in by_user.get_data(as_text=True)
    assert "long-standing" not in by_user.get_data(as_text=True)
    by_order = supervisor.get(f"/supervision/audit?order={order.id}").get_data(as_text=True)
    assert "long-standing" in by_order and "overdue invoice" not in by_order
    by_action = supervisor.get("/supervision/audit?action=credit_hold_released").get_data(as_text=True)
    assert "overdue invoice" in by_action and "long-standing" not in by_action
    today = utcnow().date()
    empty = supervisor.get(f"/supervision/audit?at_to={(today - timedelta(days=3)).isoformat()}").get_data(as_text=True)
    assert "overdue invoice" not in empty
    grouped = supervisor.get("/supervision/audit?group=action", headers=ENGLISH).get_data(as_text=True)
    assert "action=credit_hold_released" in grouped

    sheet = load_workbook(io.BytesIO(supervisor.get("/supervision/audit?format=xlsx&user="
                                                    f"{world.users['finance'].id}", headers=ENGLISH).data)).active
    header, *rows = list(sheet.values)
    assert header[:3] == ("When", "Who", "Action") and len(rows) == 1
    assert rows[0][-1] == "paid the overdue invoice in cash"


def test_escalations_and_changes_show_only_their_entries_with_the_reasons(app, world):
    order = order_for(world, world.customers[0].id, 5, utcnow().date())
    _entry(world, "review_step_escalated", "finance step 26 hours late", order.id)
    _entry(world, "change_applied", "quantity 10 to 12 at the customer's request", order.id)
    commit()
    supervisor = portal_login(app, world.users["supervisor"])
    late = supervisor.get("/supervision/escalations").get_data(as_text=True)
    assert "26 hours late" in late and "customer's request" not in late.replace("&#39;", "'")
    changed = supervisor.get("/supervision/changes").get_data(as_text=True).replace("&#39;", "'")
    assert "customer's request" in changed and "26 hours late" not in changed


def _waiting_since(days: int):
    """A copy's ``vary``: the order submitted and in its status since ``days`` days ago."""
    return lambda n, row: {**row, "submitted_at": utcnow() - timedelta(days=days),
                           "status_changed_at": utcnow() - timedelta(days=days)}


def test_an_order_waiting_longer_than_the_days_given_is_stuck(app, world):
    fresh = order_for(world, world.customers[0].id, 5, utcnow().date())  # submitted today
    [old_id] = clone_order(fresh.id, 1, vary={"order": _waiting_since(12)})
    commit()
    old = db.session.get(Order, old_id)
    supervisor = portal_login(app, world.users["supervisor"])
    page = supervisor.get("/supervision/stuck?days=7").get_data(as_text=True)
    assert f">{old.number}<" in page and f">{fresh.number}<" not in page
    assert f">{old.number}<" not in supervisor.get("/supervision/stuck?days=30").get_data(as_text=True)
    later = supervisor.get(f"/supervision/stuck?days=7&as_of={(utcnow().date() + timedelta(days=10)).isoformat()}")
    assert f">{old.number}<" in later.get_data(as_text=True) and f">{fresh.number}<" in later.get_data(as_text=True)
    assert supervisor.get("/supervision/stuck?days=0").status_code == 400


def test_an_order_waits_from_its_latest_status_change_not_from_its_submission(app, world):
    fresh = order_for(world, world.customers[0].id, 5, utcnow().date())
    [waiting, moved, noted] = clone_order(fresh.id, 3, vary={"order": _waiting_since(12)})
    # All three were submitted and approved 12 days ago. The second went into production just now (a status
    # change); the third had a step run late (an event that leaves the status) and a note: it waits still.
    events.start_production(db.session.get(Order, moved), actor=world.users["manager"])
    events.review_overdue(db.session.get(Order, noted), ReviewOverdue(
        step_id=1, department="finance", kind=OverdueKind.ESCALATION, level=1, due_at=utcnow(), new_due_at=None))
    _entry(world, "review_step_escalated", "finance step 26 hours late", noted)
    commit()
    numbers = {order_id: db.session.get(Order, order_id).number for order_id in (waiting, moved, noted)}

    page = portal_login(app, world.users["supervisor"]).get("/supervision/stuck?days=7").get_data(as_text=True)

    assert f">{numbers[waiting]}<" in page and f">{numbers[noted]}<" in page
    assert f">{numbers[moved]}<" not in page


def test_the_stuck_orders_cost_the_same_statements_for_100_orders_as_for_5000(app, world):
    template = order_for(world, world.customers[0].id, 5, utcnow().date())
    supervisor = portal_login(app, world.users["supervisor"])
    supervisor.get("/supervision/stuck")
    counts = []
    for more in (100, 4_900):
        clone_order(template.id, more, vary={"order": lambda n, row: {
            **row, "submitted_at": utcnow() - timedelta(days=20 + n % 300),
            "status_changed_at": utcnow() - timedelta(days=10 + n % 200)}})
        commit()
        with statements(db.engine) as seen:
            first = supervisor.get("/supervision/stuck?days=7")
        following = re.search(r'href="([^"]*after=[^"]+)"', first.get_data(as_text=True)).group(1)
        with statements(db.engine) as seen_next:
            assert supervisor.get(following.replace("&amp;", "&")).status_code == 200
        counts.append((len(seen), len(seen_next)))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("role", [role for role in OTHERS if role != "administrator"])
def test_supervision_pages_are_the_supervisors_and_the_administrators(app, world, role):
    client = portal_login(app, world.users[role])
    for path in ("/supervision/audit", "/supervision/escalations", "/supervision/changes", "/supervision/stuck"):
        assert client.get(path).status_code == 403, (role, path)


def test_the_audit_browser_costs_the_same_statements_for_100_entries_as_for_5000(app, world):
    supervisor = portal_login(app, world.users["supervisor"])
    supervisor.get("/supervision/audit")
    counts = []
    for more in (100, 4_900):
        audit.record_many([audit.values(company_id=world.company.id, entity="order", entity_id=None,
                                        action="review_step_escalated", actor=world.users["manager"],
                                        note=f"late {n}") for n in range(more)])
        commit()
        with statements(db.engine) as seen:
            first = supervisor.get("/supervision/escalations")
        following = re.search(r'href="([^"]*after=[^"]+)"', first.get_data(as_text=True)).group(1)
        with statements(db.engine) as seen_next:
            assert supervisor.get(following.replace("&amp;", "&")).status_code == 200
        counts.append((len(seen), len(seen_next)))
    assert counts[0] == counts[1]


def test_sqlite_reads_the_escalations_off_the_action_index_not_the_whole_log_by_id(app, world):
    """Among thousands of other entries, the escalations' first page is read from (company, action, id) and
    sorted, not found by walking every entry newest first: SQLite's averages make every action look common."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's statistics know which actions are rare")
    audit.record_many([audit.values(company_id=world.company.id, entity="order", entity_id=None,
                                    action=f"noted_{n % 40}", actor=world.users["sales"], note=f"call {n}")
                       for n in range(4_000)])
    commit()
    db.session.execute(text("ANALYZE"))
    page = (audit_spec("audit-escalations", ESCALATIONS, {}).source(world.users["supervisor"])
            .order_by(AuditEntry.id.desc()).limit(51))
    compiled = page.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    plan = " ".join(row[3] for row in db.session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params[name] for name in compiled.positiontup or ())))
    assert "ix_audit_entry_company_action_id (company_id=? AND action=?)" in plan, plan


# --- the confidential channel ------------------------------------------------------------


def _file(app, world, reporter="sales") -> ViolationReport:
    client = portal_login(app, world.users[reporter])
    answer = client.post("/violations/report", data={"subject": "Discount without approval",
                                                     "description": "Order priced under the floor price.",
                                                     "order": ""})
    assert answer.status_code == 302
    return db.session.execute(select(ViolationReport).order_by(ViolationReport.id.desc())).scalars().first()


def test_a_staff_member_reports_and_only_the_supervisors_see_who(app, world):
    filed = _file(app, world)
    reporter = world.users["sales"]
    supervisor = portal_login(app, world.users["supervisor"])
    listed = supervisor.get("/violations").get_data(as_text=True)
    assert "Discount without approval" in listed and reporter.name in listed
    shown = supervisor.get(f"/violations/{filed.id}").get_data(as_text=True)
    assert reporter.name in shown
    # The audit log records the report, naming nobody and saying nothing of it.
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.entity == violations.ENTITY)).scalars().all()
    assert [entry.action for entry in entries] == ["violation_reported"]
    readable = json.dumps([[entry.actor_label, entry.note, entry.before, entry.after, entry.actor_id]
                           for entry in entries], ensure_ascii=False)
    assert reporter.name not in readable and reporter.username not in readable and "Discount" not in readable
    admin_view = portal_login(app, world.users["administrator"]).get("/supervision/audit?entity=violation_report")
    assert admin_view.status_code == 200
    text = admin_view.get_data(as_text=True)
    text = text[text.index('id="list-results"'):]  # the rows, not the filter naming every user
    assert "violation_report" in text and reporter.name not in text and "Discount" not in text


@pytest.mark.parametrize("role", OTHERS)
def test_every_other_role_administrator_included_is_refused_the_reports(app, world, role):
    filed = _file(app, world)
    client = portal_login(app, world.users[role])
    for path in ("/violations", f"/violations/{filed.id}"):
        answer = client.get(path)
        assert answer.status_code == 403, (role, path)
        assert "Discount without approval" not in answer.get_data(as_text=True)
    assert client.post(f"/violations/{filed.id}/follow-ups", data={"note": "x"}).status_code == 403
    assert client.post(f"/violations/{filed.id}/close", data={"status": "unfounded", "outcome": "x"}).status_code == 403
    assert ApiClient(app, world.users[role]).get("/api/v1/violations").status_code == 403


def test_an_administrator_who_grants_themselves_the_right_is_still_refused(app, world):
    filed = _file(app, world)
    admin = world.users["administrator"]
    role = admin.roles[0]
    companies.set_role_permissions(role, role.permissions | {violations.HANDLE}, actor=None)
    commit()
    assert portal_login(app, admin).get(f"/violations/{filed.id}").status_code == 403
    assert ApiClient(app, admin).get("/api/v1/violations").status_code == 403


def test_supervisors_follow_a_report_up_and_record_its_outcome(app, world):
    filed = _file(app, world)
    supervisor = portal_login(app, world.users["supervisor"])
    supervisor.post(f"/violations/{filed.id}/follow-ups", data={"note": "Asked finance for the order's margin."})
    supervisor.post(f"/violations/{filed.id}/close", data={"status": "substantiated",
                                                           "outcome": "Priced 8 % under the floor; warned."})
    db.session.expire_all()
    closed = db.session.get(ViolationReport, filed.id)
    assert closed.status == ViolationStatus.SUBSTANTIATED and closed.closed_by_id == world.users["supervisor"].id
    assert [step.note for step in closed.follow_ups] == ["Asked finance for the order's margin."]
    page = supervisor.get(f"/violations/{filed.id}", headers=ENGLISH).get_data(as_text=True)
    assert "Substantiated" in page and "warned" in page
    api = ApiClient(app, world.users["supervisor"]).get("/api/v1/violations").get_json()
    assert api[0]["reporter"] == world.users["sales"].name and api[0]["status"] == "substantiated"


def test_the_api_takes_a_report_and_names_a_missing_field(app, world):
    api = ApiClient(app, world.users["production"])
    made = api.post("/api/v1/violations", json={"subject": "Shipped unchecked", "description": "Pallet 3."})
    assert made.status_code == 201 and made.get_json()["status"] == "open"
    missing = api.post("/api/v1/violations", json={"subject": "x"})
    assert missing.status_code == 400 and "description" in missing.get_data(as_text=True)
    unknown = api.post("/api/v1/violations", json={"subject": "x", "description": "y", "order": "SO-NONE"})
    assert unknown.status_code == 400 and "order" in unknown.get_data(as_text=True)
    assert ApiClient(app, world.users["customer"]).post(
        "/api/v1/violations", json={"subject": "x", "description": "y"}).status_code == 403
