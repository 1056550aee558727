"""Late problem cases go up the chain of superiors, one notice per case and level, never twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import OutboxMessage, utcnow
from plugins.logistics.cases.models import CaseNotice, ProblemCase
from plugins.logistics.cases.sweep import sweep
from tests.plugins.logistics.orders import submitted_order
from tests.plugins.logistics.test_cases_api import _refuse_seals


def test_a_late_case_is_escalated_once_per_level(app, world):
    logistics, manager = world.users["logistics"], world.users["manager"]
    logistics.superior_id = manager.id
    logistics.email, manager.email = "wang@acme.example", "li@acme.example"
    commit()
    order = submitted_order(world)
    _refuse_seals(app, world, order)
    refused = db.session.execute(select(ProblemCase).where(ProblemCase.department == "logistics")).scalar_one()
    assert sweep(world.company, utcnow()) is None  # not late yet

    later = refused.due_at + timedelta(minutes=1)
    assert sweep(world.company, later) is not None
    assert sweep(world.company, later) is None  # the same sweep again sends nothing
    notices = db.session.execute(select(CaseNotice).where(CaseNotice.case_id == refused.id)).scalars().all()
    assert [(notice.level, notice.recipients) for notice in notices] == [(1, [manager.id])]
    mails = db.session.execute(select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "logistics.case_escalation")).scalars().all()
    assert manager.email in mails and logistics.email in mails

    db.session.refresh(refused)
    assert refused.escalation_level == 1 and refused.due_at > later
    assert sweep(world.company, refused.due_at + timedelta(minutes=1)) is not None
    assert [n.level for n in db.session.execute(select(CaseNotice).where(
        CaseNotice.case_id == refused.id).order_by(CaseNotice.level)).scalars()] == [1, 2]
