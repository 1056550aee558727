"""Late problem cases go up the chain of superiors, one notice per case and level, never twice."""
from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import Company, OutboxMessage, utcnow
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


@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="needs PostgreSQL's row locks for two sweeps at once")
def test_two_sweeps_at_once_on_postgresql_escalate_each_case_once(app, world):
    world.users["logistics"].superior_id = world.users["manager"].id
    commit()
    for _ in range(3):
        _refuse_seals(app, world, submitted_order(world))
    as_of = max(db.session.execute(select(ProblemCase.due_at)).scalars()) + timedelta(minutes=1)
    company_id = world.company.id
    db.session.remove()
    ready = threading.Barrier(2)
    results: list[str | None] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        with app.app_context():
            ready.wait(timeout=10)
            try:
                results.append(sweep(db.session.get_one(Company, company_id), as_of))
                commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == [] and len(results) == 2
    # Six cases (a refusal and a reservation per order), each escalated once between the two sweeps.
    assert sum(int(result.split()[0]) for result in results if result) == 6
    levels = db.session.execute(select(CaseNotice.case_id, func.count(CaseNotice.id)).group_by(CaseNotice.case_id)
                                ).all()
    assert len(levels) == 6 and {count for _, count in levels} == {1}
