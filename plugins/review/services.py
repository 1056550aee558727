"""Review rounds: opening the steps when an order is submitted, deciding them, ending the round.

A round is the set of steps an order goes through after one submission. The
steps are decided one at a time in ascending sequence; the round ends, and
``review_decided`` is fired exactly once, when the last step is approved or
any step is rejected or sent back. A sent-back order returns to draft and its
resubmission opens the next round.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import audit
from core.auth.context import check
from core.contracts import Decision, Finding, OrderChange, Outcome, ReviewStepSpec, Verdict
from core.db import flush, get_scoped
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.labels import label
from core.models import Order, OrderStatus, User, utcnow
from core.modules import hooks_for_order
from core.orders.queries import get_order, visible_orders
from core.orders import events
from plugins.review import change_rounds, labels
from plugins.review.models import ReviewFinding, ReviewStep, StepStatus

REASON_MAX = 2000
# The statuses in which an order has a review round open: its own, or a change's.
IN_REVIEW = (OrderStatus.SUBMITTED, *change_rounds.CHANGEABLE_STATUSES)


class StepDecision(enum.StrEnum):
    """What a reviewer decides about the open step."""

    APPROVE = "approve"
    REJECT = "reject"
    SEND_BACK = "send_back"


_STEP_STATUS = {
    StepDecision.APPROVE: StepStatus.APPROVED,
    StepDecision.REJECT: StepStatus.REJECTED,
    StepDecision.SEND_BACK: StepStatus.SENT_BACK,
}
_OUTCOME = {StepDecision.REJECT: Outcome.REJECTED, StepDecision.SEND_BACK: Outcome.SENT_BACK}


@dataclass
class Round:
    """One review round of an order, for pages and the API."""

    number: int
    steps: list[ReviewStep] = field(default_factory=list)
    findings: list[ReviewFinding] = field(default_factory=list)


# --- opening a round ----------------------------------------------------------


def _flatten(contributions: Iterable[list | None]) -> list:
    return [item for contribution in contributions for item in (contribution or [])]


def current_round(order: Order) -> int:
    """The number of the order's latest review round; 0 before its first submission."""
    latest = db.session.execute(
        select(func.max(ReviewStep.round)).where(ReviewStep.order_id == order.id)
    ).scalar_one()
    return latest or 0


def _round_steps(order: Order, number: int) -> list[ReviewStep]:
    return list(db.session.execute(
        select(ReviewStep)
        .where(ReviewStep.order_id == order.id, ReviewStep.round == number)
        .order_by(ReviewStep.sequence, ReviewStep.id)
    ).scalars())


def _specs_for_round(specs: list[ReviewStepSpec], findings: list[Finding]) -> list[ReviewStepSpec]:
    """The steps contributed plus those the rules ask for, one per department, by sequence."""
    wanted = specs + [f.step for f in findings if f.verdict == Verdict.NEEDS_STEP and f.step is not None]
    by_department: dict[str, ReviewStepSpec] = {}
    for spec in sorted(wanted, key=lambda s: s.sequence):
        by_department.setdefault(spec.department, spec)
    return sorted(by_department.values(), key=lambda s: (s.sequence, s.department))


def _open(step: ReviewStep, now: datetime) -> None:
    step.status = StepStatus.OPEN
    step.opened_at = now
    step.due_at = now + timedelta(hours=step.hours)


def open_review(order: Order) -> list[ReviewStep]:
    """Start a review round for a submitted order (``open_round`` without a change)."""
    return open_round(db.session, order)


def open_round(session: object, order: Order, *, change: OrderChange | None = None) -> list[ReviewStep]:
    """Start a review round for a submitted order, or for a change to it: create its steps, record the findings.

    A change's round is decided by the same steps and rules (which receive the
    change); it ends in ``change_rounds`` instead of the order's review event.

    The first step opens at once and the others wait their turn. Each finding
    is filed under a step: ``needs_step`` under the step it added, the others
    under their department's step, or under the round's first step when the
    rule named no department that has a step. A ``reject`` finding rejects its
    step in the rule's name and ends the round as rejected before anyone is
    asked.
    """
    hooks = hooks_for_order(order)
    findings: list[Finding] = _flatten(hooks.review_rules(order=order, change=change))
    specs = _specs_for_round(_flatten(hooks.review_steps(order=order)), findings)
    number = current_round(order) + 1
    if change is not None:
        change_rounds.link(change, number)
    steps = [
        ReviewStep(company_id=order.company_id, order_id=order.id, round=number, department=spec.department,
                   label=str(spec.label), permission=spec.permission, sequence=spec.sequence, hours=spec.hours,
                   status=StepStatus.WAITING)
        for spec in specs
    ]
    db.session.add_all(steps)
    flush()
    filed = [(finding, _step_of(finding, steps)) for finding in findings]
    for finding, step in filed:
        db.session.add(ReviewFinding(
            company_id=order.company_id, order_id=order.id, round=number, step_id=step.id if step else None,
            rule=finding.rule, verdict=finding.verdict, reason_codes=list(finding.reason_codes),
            message=str(finding.message), params={key: str(value) for key, value in finding.params.items()}))
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="review_round", entity_id=None,
        action="review_opened", actor=None,
        after={"round": number, "steps": [s.department for s in steps],
               "findings": [{"rule": f.rule, "verdict": f.verdict.value, "reason_codes": list(f.reason_codes)}
                            for f in findings]},
    )
    rejections = [(finding, step) for finding, step in filed if finding.verdict == Verdict.REJECT]
    if rejections:
        _reject_by_rules(order, steps, rejections)
    elif steps:
        _open(steps[0], utcnow())
        flush()
    elif change is not None:
        change_rounds.approved(order, number, actor=None)
    else:
        # No plugin asked for a step: nothing stands between the order and approval.
        events.decide_review(order, Decision(Outcome.APPROVED), actor=None, note="no_review_step")
    return steps


def _step_of(finding: Finding, steps: list[ReviewStep]) -> ReviewStep | None:
    department = finding.step.department if finding.verdict == Verdict.NEEDS_STEP and finding.step \
        else finding.department
    return next((s for s in steps if s.department == department), steps[0] if steps else None)


def _reject_by_rules(order: Order, steps: list[ReviewStep],
                     rejections: list[tuple[Finding, ReviewStep | None]]) -> None:
    now = utcnow()
    for step in steps:
        messages = [str(finding.message) for finding, target in rejections if target is step]
        if messages:
            step.status = StepStatus.REJECTED
            step.decided_at = now
            step.reason = "\n".join(m for m in messages if m) or None
        else:
            step.status = StepStatus.CLOSED
    flush()
    reasons = tuple(dict.fromkeys(code for finding, _ in rejections for code in finding.reason_codes))
    rules = tuple(dict.fromkeys(finding.rule for finding, _ in rejections))
    if change_rounds.of_round(order, steps[0].round) is not None:
        change_rounds.refused(order, steps[0].round, Outcome.REJECTED, reasons, actor=None)
        return
    events.decide_review(order, Decision(Outcome.REJECTED, reasons=reasons, rules=rules), actor=None,
                         note="rejected_by_rules")


# --- deciding a step ------------------------------------------------------------


def decide(
    step: ReviewStep,
    decision: StepDecision,
    reason: str | None,
    *,
    actor: User,
    expected_version: int | None = None,
) -> ReviewStep:
    """Record ``actor``'s decision on the open step and move the review on.

    Approving opens the next waiting step, or approves the order when none is
    left. Rejecting or sending back ends the round at once; both need a reason.
    ``expected_version`` is the step's version the decider saw: a different
    one means someone decided first, and the call fails with a conflict.
    """
    check(actor, step.permission)
    if expected_version is not None and expected_version != step.version:
        raise Conflict(_("the %(step)s step of order %(number)s was changed by someone "
                         "else; reload it and try again", step=_name(step), number=step.order.display_number),
                       field="version")
    order = step.order
    change = change_rounds.of_round(order, step.round)
    if order.status != OrderStatus.SUBMITTED and change is None:
        raise Conflict(_("order %(number)s is %(status)s; its review is over",
                         number=order.display_number, status=label(order.status)))
    if step.status != StepStatus.OPEN:
        raise Conflict(_("the %(step)s step of order %(number)s is %(status)s; "
                         "only the open step can be decided",
                         step=_name(step), number=order.display_number, status=label(step.status)))
    reason = (reason or "").strip() or None
    if decision != StepDecision.APPROVE and reason is None:
        message = (_("give a reason for rejecting") if decision == StepDecision.REJECT
                   else _("give a reason for sending the order back"))
        raise ValidationError(message, field="reason")
    if reason is not None and len(reason) > REASON_MAX:
        raise ValidationError(_("the reason is longer than %(max)s characters", max=REASON_MAX), field="reason")

    now = utcnow()
    step.status = _STEP_STATUS[decision]
    step.decided_at = now
    step.decided_by_id = actor.id
    step.reason = reason
    flush()  # the row-version check: of two concurrent decisions, the second fails here
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="review_step", entity_id=step.id,
        action="review_step_decided", actor=actor, before={"status": StepStatus.OPEN.value},
        after={"status": step.status.value, "department": step.department, "round": step.round,
               **({"reason": reason} if reason else {})},
    )

    if decision == StepDecision.APPROVE:
        waiting = [s for s in _round_steps(order, step.round) if s.status == StepStatus.WAITING]
        if waiting:
            _open(waiting[0], now)
            flush()
        elif change is not None:
            change_rounds.approved(order, step.round, actor=actor)
        else:
            events.decide_review(order, Decision(Outcome.APPROVED, decided_by=actor.id), actor=actor)
        return step

    _close_waiting(order, step.round)
    if change is not None:
        change_rounds.refused(order, step.round, _OUTCOME[decision], (reason,) if reason else (), actor=actor)
        return step
    outcome = Decision(_OUTCOME[decision], reasons=(reason,) if reason else (), decided_by=actor.id)
    events.decide_review(order, outcome, actor=actor)
    return step


def _close_waiting(order: Order, number: int) -> None:
    for other in _round_steps(order, number):
        if other.status in (StepStatus.WAITING, StepStatus.OPEN):
            other.status = StepStatus.CLOSED
    flush()


def close_review(order: Order) -> None:
    """Close the steps still waiting in the order's latest round (the order was cancelled)."""
    _close_waiting(order, current_round(order))


def _name(step: ReviewStep) -> str:
    return labels.department(step.department, step.label)


# --- reading ------------------------------------------------------------------


def rounds(order: Order) -> list[Round]:
    """Every review round of the order, oldest first, with its steps and findings."""
    by_number: dict[int, Round] = {}
    steps = db.session.execute(
        select(ReviewStep).where(ReviewStep.order_id == order.id)
        .order_by(ReviewStep.round, ReviewStep.sequence, ReviewStep.id)
        # Who decided each step, for every step in one statement; their own permissions are not needed.
        .options(selectinload(ReviewStep.decided_by).lazyload(User.roles))
    ).scalars()
    for step in steps:
        by_number.setdefault(step.round, Round(step.round)).steps.append(step)
    findings = db.session.execute(
        select(ReviewFinding).where(ReviewFinding.order_id == order.id)
        .order_by(ReviewFinding.round, ReviewFinding.id)
    ).scalars()
    for finding in findings:
        by_number.setdefault(finding.round, Round(finding.round)).findings.append(finding)
    return [by_number[number] for number in sorted(by_number)]


def open_step(order: Order) -> ReviewStep | None:
    """The step waiting for a decision now, if the order (or a change to it) is in review."""
    if order.status not in IN_REVIEW:
        return None
    return db.session.execute(
        select(ReviewStep).where(ReviewStep.order_id == order.id, ReviewStep.status == StepStatus.OPEN)
        .order_by(ReviewStep.round.desc())
    ).scalars().first()


def open_steps_for(user: User) -> list[ReviewStep]:
    """The open steps ``user`` may decide, late (earliest due) first."""
    orders = visible_orders(user).where(Order.status.in_(IN_REVIEW)).with_only_columns(Order.id)
    steps = db.session.execute(
        select(ReviewStep)
        .where(ReviewStep.company_id == user.company_id, ReviewStep.status == StepStatus.OPEN,
               ReviewStep.order_id.in_(orders))
        .order_by(ReviewStep.due_at, ReviewStep.id)
    ).scalars()
    return [step for step in steps if user.can(step.permission)]


def step_for(user: User, step_id: int) -> ReviewStep:
    """A review step of an order ``user`` may see, or NotFound."""
    step = get_scoped(ReviewStep, user.company_id, step_id, what=_("review step"))
    try:
        get_order(user, step.order_id)
    except NotFound:
        raise NotFound(_("review step %(id)s does not exist", id=step_id)) from None
    return step
