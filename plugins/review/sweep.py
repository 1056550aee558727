"""Late review steps: the sweep that reminds, escalates up the chain of superiors, and delay notices.

``sweep(company, now)`` (the ``review.sweep`` job and ``ordo review sweep``)
takes each open step past its limit (of an order's review or of a change request's), locked with ``SKIP LOCKED`` on
PostgreSQL so that two sweeps at once never take the same step. The first
time a step runs out, its reviewers are reminded and it goes up to their
superiors (``User.superior_id``), level 1, with a new limit in working
hours; each time that limit runs out it goes one level further up. Every
reminder and escalation is a ``ReviewNotice`` row, unique per step, level and
kind, inserted "on conflict do nothing": only the sweep that inserted it sends
the emails (through the outbox) and fires ``review_overdue``, so nothing is
sent twice however often and however many sweeps run. A reviewer who records
why they cannot finish in time stops the reminders and notifies their superior.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, outbox
from core.calendar import add_working_hours
from core.contracts import OverdueKind, ReviewOverdue
from core.db import flush
from core.errors import Conflict, PermissionDenied, ValidationError
from core.extensions import db
from core.jobs import INSERT_IGNORING_DUPLICATES
from core.models import Company, Order, User, utcnow
from core.orders import events
from plugins.review import labels
from plugins.review.models import ReviewNotice, ReviewStep, StepStatus
from plugins.review.services import IN_REVIEW, REASON_MAX, deciders, may_decide

__all__ = ["report_delay", "sweep"]


def _insert_notice(step: ReviewStep, level: int, kind: OverdueKind, recipients: list[int],
                   reason: str | None, now: datetime) -> bool:
    """Record the notice; False when it was already recorded (by this sweep or another)."""
    insert = INSERT_IGNORING_DUPLICATES[db.session.get_bind().dialect.name]
    inserted = db.session.execute(
        insert(ReviewNotice)
        .values(company_id=step.company_id, order_id=step.order_id, step_id=step.id, level=level, kind=kind,
                recipients=recipients, reason=reason, created_at=now)
        .on_conflict_do_nothing(index_elements=["step_id", "level", "kind"])
        .returning(ReviewNotice.id)
    ).scalar_one_or_none()
    return inserted is not None


def _users(ids: list[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.execute(select(User).where(User.id.in_(ids)).order_by(User.id)).scalars())


def _superiors(users: list[User]) -> list[User]:
    return _users(sorted({user.superior_id for user in users if user.superior_id is not None}))


def _previous_level(step: ReviewStep, level: int) -> list[User]:
    """Who had the step before it went up to ``level``: its reviewers, or the last level's superiors."""
    if level == 1:
        return [user for user in deciders(step) if user.id not in (step.escalated_to or ())]
    recipients = db.session.execute(
        select(ReviewNotice.recipients).where(ReviewNotice.step_id == step.id, ReviewNotice.level == level - 1,
                                              ReviewNotice.kind == OverdueKind.ESCALATION)).scalar_one_or_none()
    return _users(list(recipients or []))


def _mail(users: list[User], step: ReviewStep, template: str, kind: str, **context: Any) -> None:
    """Email each user the template, in their own language."""
    for user in users:
        recipient = outbox.to_user(user)
        if recipient is not None:
            outbox.send_email(template, recipient, company_id=step.company_id, kind=kind, order_id=step.order_id,
                              step=step, order=step.order, **context)


def _escalate(step: ReviewStep, now: datetime) -> bool:
    order: Order = step.order
    level = step.escalation_level + 1
    previous = _previous_level(step, level)
    targets = _superiors(previous)
    missed = step.due_at or now
    name, number = labels.department(step.department, step.label), order.display_number
    reason = _("The %(step)s step of order %(number)s is past its limit.", step=name, number=number)
    if not _insert_notice(step, level, OverdueKind.ESCALATION, [u.id for u in targets], reason, now):
        return False
    if level == 1 and _insert_notice(step, level, OverdueKind.REMINDER, [u.id for u in previous], reason, now):
        _mail(previous, step, "review/reminder_email.txt", "review_reminder")
    _mail(targets, step, "review/escalation_email.txt", "review_escalation")
    step.overdue_at = step.overdue_at or now
    step.escalation_level = level
    step.escalated_to = sorted(set(step.escalated_to or ()) | {u.id for u in targets})
    step.due_at = add_working_hours(step.company_id, now, step.hours)
    flush()
    audit.record(company_id=step.company_id, order_id=step.order_id, entity="review_step", entity_id=step.id,
                 action="review_step_escalated", actor=None,
                 after={"department": step.department, "level": level, "escalated_to": step.escalated_to,
                        "due_at": step.due_at.isoformat()})
    events.review_overdue(order, ReviewOverdue(step.id, step.department, OverdueKind.ESCALATION, level, missed,
                                               step.due_at, tuple(u.id for u in targets)))
    return True


def sweep(company: Company, now: datetime | None = None) -> str | None:
    """Remind and escalate the company's late review steps; what it did in a few words, or None."""
    now = now or utcnow()
    late = list(db.session.execute(
        select(ReviewStep)
        .join(Order, Order.id == ReviewStep.order_id)
        .where(ReviewStep.company_id == company.id, ReviewStep.status == StepStatus.OPEN,
               ReviewStep.due_at < now, ReviewStep.delay_reason.is_(None), Order.status.in_(IN_REVIEW))
        .order_by(ReviewStep.id)
        .with_for_update(of=ReviewStep, skip_locked=True)
    ).scalars())
    escalated = sum(_escalate(step, now) for step in late)
    return _("%(count)s late review steps escalated", count=escalated) if escalated else None


def report_delay(step: ReviewStep, reason: str | None, *, actor: User) -> ReviewStep:
    """A reviewer records why they cannot finish in time: the reminders stop and their superior is told."""
    if not may_decide(actor, step):
        raise PermissionDenied(_("only a reviewer of the step may say why it is late"),
                               permissions=(step.permission,))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("say why the step cannot be finished in time"), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(_("the reason is longer than %(max)s characters", max=REASON_MAX), field="reason")
    if step.status != StepStatus.OPEN or step.order.status not in IN_REVIEW:
        raise Conflict(_("only an open step can be late"))
    if step.delay_reason is not None:
        raise Conflict(_("a delay is already recorded for this step"))
    now = utcnow()
    superiors = _superiors([actor])
    level = step.escalation_level + 1
    if not _insert_notice(step, level, OverdueKind.DELAY, [u.id for u in superiors], reason, now):
        raise Conflict(_("a delay is already recorded for this step"))
    step.delay_reason, step.delay_reported_by_id, step.delay_reported_at = reason, actor.id, now
    step.escalated_to = sorted(set(step.escalated_to or ()) | {u.id for u in superiors})
    flush()
    _mail(superiors, step, "review/delay_email.txt", "review_delay", reviewer=actor, reason=reason)
    audit.record(company_id=step.company_id, order_id=step.order_id, entity="review_step", entity_id=step.id,
                 action="review_delay_reported", actor=actor, after={"department": step.department,
                                                                    "reason": reason})
    events.review_overdue(step.order, ReviewOverdue(step.id, step.department, OverdueKind.DELAY, level,
                                                    step.due_at or now, None, tuple(u.id for u in superiors),
                                                    reason), actor=actor)
    return step
