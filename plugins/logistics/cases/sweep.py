"""Late problem cases: the sweep escalates them up the chain of superiors, as review does its late steps.

``sweep(company, now)`` (the ``logistics.case_sweep`` job) takes each open case past its limit,
locked with ``SKIP LOCKED`` on PostgreSQL so that two sweeps at once never take the same case.
The first time, the department's people are reminded and the case goes to their superiors
(level 1) with a new limit in working hours; each time that runs out it goes one level further
up. Each level is a ``CaseNotice`` row, unique per case and level, inserted "on conflict do
nothing": only the sweep that inserted it sends the emails, so nothing is sent twice.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, outbox
from core.calendar import add_working_hours
from core.db import flush
from core.extensions import db
from core.jobs import INSERT_IGNORING_DUPLICATES
from core.models import Company, Role, User, user_role, utcnow
from plugins.logistics.cases.models import CaseNotice, CaseStatus, ProblemCase
from plugins.logistics.cases.services import LIMIT_HOURS

__all__ = ["sweep"]


def _insert_notice(case: ProblemCase, level: int, recipients: list[int], now: datetime) -> bool:
    """Record the level's notice; False when it was already recorded (by this sweep or another)."""
    insert = INSERT_IGNORING_DUPLICATES[db.session.get_bind().dialect.name]
    return db.session.execute(
        insert(CaseNotice).values(company_id=case.company_id, order_id=case.order_id, case_id=case.id, level=level,
                                  recipients=recipients, created_at=now)
        .on_conflict_do_nothing(index_elements=["case_id", "level"]).returning(CaseNotice.id)
    ).scalar_one_or_none() is not None


def _department(case: ProblemCase) -> list[User]:
    return list(db.session.execute(
        select(User).join(user_role, user_role.c.user_id == User.id).join(Role, Role.id == user_role.c.role_id)
        .where(Role.company_id == case.company_id, Role.name == case.department, User.active.is_(True),
               User.customer_id.is_(None)).order_by(User.id)).scalars().unique())


def _users(ids: list[int]) -> list[User]:
    return list(db.session.execute(select(User).where(User.id.in_(ids)).order_by(User.id)).scalars()) if ids else []


def _previous_level(case: ProblemCase, level: int) -> list[User]:
    if level == 1:
        return _department(case)
    recipients = db.session.execute(select(CaseNotice.recipients).where(
        CaseNotice.case_id == case.id, CaseNotice.level == level - 1)).scalar_one_or_none()
    return _users(list(recipients or []))


def _mail(users: list[User], case: ProblemCase, level: int) -> None:
    for user in users:
        recipient = outbox.to_user(user)
        if recipient is not None:
            outbox.send_email("logistics/case_escalation_email.txt", recipient, company_id=case.company_id,
                              kind="logistics.case_escalation", order_id=case.order_id, case=case,
                              order=case.order, level=level)


def _escalate(case: ProblemCase, now: datetime) -> bool:
    level = case.escalation_level + 1
    previous = _previous_level(case, level)
    targets = _users(sorted({user.superior_id for user in previous if user.superior_id is not None}))
    if not _insert_notice(case, level, [user.id for user in targets], now):
        return False
    _mail(previous if level == 1 else [], case, level)  # the department is reminded once
    _mail(targets, case, level)
    case.escalation_level = level
    case.due_at = add_working_hours(case.company_id, now, LIMIT_HOURS[case.case_type])
    flush()
    audit.record(company_id=case.company_id, order_id=case.order_id, entity="logistics_case", entity_id=case.id,
                 action="case_escalated", actor=None, after={"number": case.number, "level": level,
                                                             "escalated_to": [user.id for user in targets],
                                                             "due_at": case.due_at.isoformat()})
    return True


def sweep(company: Company, now: datetime | None = None) -> str | None:
    """Escalate the company's late open cases; what it did in a few words, or None."""
    now = now or utcnow()
    late = list(db.session.execute(
        select(ProblemCase).where(ProblemCase.company_id == company.id, ProblemCase.status == CaseStatus.OPEN,
                                  ProblemCase.due_at < now)
        .order_by(ProblemCase.id).with_for_update(of=ProblemCase, skip_locked=True)
    ).scalars())
    escalated = sum(_escalate(case, now) for case in late)
    return _("%(count)s late problem cases escalated", count=escalated) if escalated else None
