"""Review of submitted orders: rounds of steps, each person's decision, the policy of each step.

A round opens when an order is submitted (``open_round``). The rules'
findings and the steps are worked out first (``plan``, which writes nothing:
the dry-run shows it as it is); then the steps are created and the first
group (the steps of the lowest ``sequence``, side by side) opens. A step is
approved once its policy is met (any one, all, or N of its deciders); the
next group opens when every step of the group is approved, and the order is
approved when none is left. One rejection rejects the order; one send-back
returns it to draft, and its resubmission opens the next round, keeping the
old one. Decisions are rows of their own, never changed: one per person and
step.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, cast, exists, false, func, inspect, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, contains_eager, joinedload, lazyload, scoped_session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from core import audit
from core.auth.context import check
from core.calendar import add_working_hours
from core.contracts import (
    Decision, Finding, OrderChange, Outcome, ReviewStepSpec, Severity, StepPolicy, StepTime, Verdict,
)
from core.db import flush, get_scoped, is_id
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.labels import label
from core.models import Order, OrderStatus, User, utcnow
from core.modules import hooks_for_order
from core.orders import events
from core.orders.queries import ORDER_AS_GOT, get_order, hold_order, visible_to
from core.session_memo import recalled, remember
from plugins.review import change_rounds, labels, policy
from plugins.review.change_models import ChangeRequest
from plugins.review.models import (
    ReviewDecision, ReviewFinding, ReviewRound, ReviewStep, RoundStatus, StepDecision, StepStatus,
)

__all__ = ["REASON_MAX", "StepDecision", "open_round", "open_review", "decide", "plan", "rounds"]

REASON_MAX = 2000
# The statuses in which an order has a review round open: its own, or a change's (change_rounds).
IN_REVIEW = (OrderStatus.SUBMITTED, *change_rounds.CHANGEABLE_STATUSES)
OVERRIDE = "review.override"

_STEP_STATUS = {
    StepDecision.APPROVE: StepStatus.APPROVED,
    StepDecision.REJECT: StepStatus.REJECTED,
    StepDecision.SEND_BACK: StepStatus.SENT_BACK,
}
_OUTCOME = {StepDecision.REJECT: Outcome.REJECTED, StepDecision.SEND_BACK: Outcome.SENT_BACK}
_ROUND_STATUS = {Outcome.APPROVED: RoundStatus.APPROVED, Outcome.REJECTED: RoundStatus.REJECTED,
                 Outcome.SENT_BACK: RoundStatus.SENT_BACK}


@dataclass
class Round:
    """One review round of an order, for pages and the API."""

    number: int
    steps: list[ReviewStep] = field(default_factory=list)
    findings: list[ReviewFinding] = field(default_factory=list)
    record: ReviewRound | None = None


@dataclass(frozen=True)
class Plan:
    """What a review round of the order would be: its steps and the rules' findings. Nothing stored."""

    steps: list[ReviewStepSpec]
    findings: list[Finding]

    def findings_of(self, department: str) -> list[Finding]:
        first = self.steps[0].department if self.steps else None
        return [f for f in self.findings if _department_of(f, self.steps) == department
                or (_department_of(f, self.steps) is None and department == first)]

    @property
    def rejected(self) -> bool:
        return any(f.verdict == Verdict.REJECT for f in self.findings)


# --- planning (the dry-run reads this too) --------------------------------------


def _flatten(contributions: Iterable[list | None]) -> list:
    return [item for contribution in contributions for item in (contribution or [])]


def _specs_for_round(specs: list[ReviewStepSpec], findings: list[Finding]) -> list[ReviewStepSpec]:
    """The steps contributed plus those the rules ask for, one per department, by sequence."""
    wanted = specs + [f.step for f in findings if f.verdict == Verdict.NEEDS_STEP and f.step is not None]
    by_department: dict[str, ReviewStepSpec] = {}
    for spec in sorted(wanted, key=lambda s: s.sequence):
        by_department.setdefault(spec.department, spec)
    return sorted(by_department.values(), key=lambda s: (s.sequence, s.department))


def _department_of(finding: Finding, steps: list[ReviewStepSpec]) -> str | None:
    department = finding.step.department if finding.verdict == Verdict.NEEDS_STEP and finding.step \
        else finding.department
    return department if any(s.department == department for s in steps) else None


def plan(order: Order, change: OrderChange | None = None) -> Plan:
    """The steps and findings a review round of ``order`` would have, without writing anything."""
    hooks = hooks_for_order(order)
    findings: list[Finding] = _flatten(hooks.review_rules(order=order, change=change))
    specs = _specs_for_round(_flatten(hooks.review_steps(order=order)), findings)
    return Plan(specs, findings)


# --- who decides -------------------------------------------------------------------


def may_decide(user: User, step: ReviewStep) -> bool:
    """Whether ``user`` may decide the step: its named users and roles, or the holders of its permission.

    A superior the late step was escalated to may decide it too; a customer's users never.
    """
    if user.customer_id is not None or not user.active or user.company_id != step.company_id:
        return False
    if user.id in (step.escalated_to or ()):
        return True
    if step.roles or step.users:
        return user.id in step.users or bool(set(step.roles) & set(user.role_names))
    return user.can(step.permission)


def may_approve(user: User, step: ReviewStep) -> bool:
    """Whether ``user`` may approve the step: not the sales step of an order they entered, unless allowed."""
    return not (step.department == "sales" and step.order.created_by_id == user.id
                and not policy.settings_for(step.company_id).allow_self_approval)


def deciders(step: ReviewStep) -> list[User]:
    """Every active staff user of the company who may decide the step."""
    users = db.session.execute(
        select(User).where(User.company_id == step.company_id, User.active, User.customer_id.is_(None))
        .order_by(User.id).options(selectinload(User.roles))).scalars()
    return [user for user in users if may_decide(user, step)]


def _required(step: ReviewStep) -> int:
    if step.policy == StepPolicy.ANY:
        return 1
    if step.policy == StepPolicy.QUORUM:
        return max(step.quorum, 1)
    return max(len(deciders(step)), 1)


# --- opening a round ----------------------------------------------------------


def current_round(order: Order) -> int:
    """The number of the order's latest review round; 0 before its first submission."""
    latest = db.session.execute(
        select(func.max(ReviewStep.round)).where(ReviewStep.order_id == order.id)
    ).scalar_one()
    return latest or 0


# The steps of one round of an order, as ``step_for`` read them with the step to decide.
_ROUND_STEPS = ("review.round_steps",)
# A round's record, read with them (held here: the session's identity map keeps no row nothing refers to).
_ROUND_RECORD = ("review.round_record",)


def _round_steps(order_id: int, number: int) -> list[ReviewStep]:
    # Shaped for deciding: the steps' statuses, times and deciders; findings and decisions only if asked for.
    return list(db.session.execute(
        select(ReviewStep)
        .where(ReviewStep.order_id == order_id, ReviewStep.round == number)
        .order_by(ReviewStep.sequence, ReviewStep.id)
        .options(lazyload(ReviewStep.findings), lazyload(ReviewStep.decisions))
    ).scalars())


def _open(step: ReviewStep, now: datetime) -> None:
    required = _required(step)  # before the changes: its query would flush them half made
    due = add_working_hours(step.company_id, now, step.hours)
    step.status = StepStatus.OPEN
    step.opened_at = now
    step.due_at = due
    step.required = required


def _open_next_group(steps: list[ReviewStep], now: datetime) -> bool:
    """Open the waiting steps of the lowest sequence; False when none is waiting."""
    waiting = [s for s in steps if s.status == StepStatus.WAITING]
    if not waiting:
        return False
    first = min(s.sequence for s in waiting)
    for step in waiting:
        if step.sequence == first:
            _open(step, now)
    return True


def open_round(session: Session | scoped_session[Any], order: Order, *,
               change: OrderChange | None = None) -> ReviewRound:
    """Start a review round for a submitted order (or a change to it): its steps and the rules' findings.

    The first group of steps opens at once and the others wait their turn.
    Each finding is filed under a step: ``needs_step`` under the step it
    added, the others under their department's step, or under the round's
    first step when the rule named no department that has a step. A
    ``reject`` finding rejects its step in the rule's name and ends the round
    as rejected before anyone is asked.
    """
    return _open_round(session, order, change=change)[0]


def _open_round(session: Session | scoped_session[Any], order: Order, *,
                change: OrderChange | None = None) -> tuple[ReviewRound, list[ReviewStep]]:
    planned = plan(order, change)
    number = current_round(order) + 1
    if change is not None:
        change_rounds.link(change, number)
    now = utcnow()
    record = ReviewRound(company_id=order.company_id, order_id=order.id, number=number, opened_at=now)
    session.add(record)
    session.flush()
    steps = [
        ReviewStep(company_id=order.company_id, order_id=order.id, round=number, round_id=record.id,
                   department=spec.department, label=str(spec.label), permission=spec.permission,
                   sequence=spec.sequence, hours=spec.hours, policy=spec.policy, quorum=spec.quorum,
                   roles=list(spec.roles), users=list(spec.users), status=StepStatus.WAITING,
                   # What opening sets, given on each: the steps of one set of columns go in as one INSERT.
                   required=1, opened_at=None, due_at=None)
        for spec in planned.steps
    ]
    session.add_all(steps)
    filed = [(finding, _step_of(finding, steps)) for finding in planned.findings]
    rejections = [(finding, step) for finding, step in filed if finding.verdict == Verdict.REJECT]
    if steps and not rejections:
        # Opened before they are inserted: each step goes in open or waiting, not waiting and then updated.
        _open_next_group(steps, now)
    flush()
    for finding, step in filed:
        session.add(ReviewFinding(
            company_id=order.company_id, order_id=order.id, round=number, step_id=step.id if step else None,
            rule=finding.rule, verdict=finding.verdict, severity=finding.severity,
            reason_codes=list(finding.reason_codes), message=str(finding.message),
            params={key: str(value) for key, value in finding.params.items()}))
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="review_round", entity_id=record.id,
        action="review_opened", actor=None,
        after={"round": number, "steps": [s.department for s in steps],
               "findings": [{"rule": f.rule, "verdict": f.verdict.value, "severity": f.severity.value,
                             "reason_codes": list(f.reason_codes)} for f in planned.findings]},
    )
    if rejections:
        _reject_by_rules(order, record, steps, rejections)
    elif not steps and change is not None:
        _end_round(record, Outcome.APPROVED, now)
        change_rounds.approved(order, number, actor=None)
    elif not steps:
        # No plugin asked for a step: nothing stands between the order and approval.
        _end_round(record, Outcome.APPROVED, now)
        events.decide_review(order, Decision(Outcome.APPROVED), actor=None, note="no_review_step")
    return record, steps


def open_review(order: Order) -> list[ReviewStep]:
    """Start a review round for a newly submitted order; returns its steps."""
    _record, steps = _open_round(db.session, order)
    # The steps just inserted, in the order a read gives them (sequence, then id), not read again.
    return sorted(steps, key=lambda step: (step.sequence, step.id))


def _step_of(finding: Finding, steps: list[ReviewStep]) -> ReviewStep | None:
    department = finding.step.department if finding.verdict == Verdict.NEEDS_STEP and finding.step \
        else finding.department
    return next((s for s in steps if s.department == department), steps[0] if steps else None)


def _end_round(record: ReviewRound | None, outcome: Outcome, now: datetime) -> None:
    if record is not None:
        record.status = _ROUND_STATUS[outcome]
        record.decided_at = now


def _outcomes(steps: list[ReviewStep]) -> tuple[tuple[str, str], ...]:
    return tuple((s.department, s.status.value) for s in steps)


def _times(steps: list[ReviewStep]) -> tuple[StepTime, ...]:
    """The decided steps' times, for the decision's payload (KPIs measure each step's timeliness)."""
    return tuple(StepTime(s.department, s.opened_at, s.due_at, s.decided_at, s.decided_by_id)
                 for s in steps if s.opened_at is not None and s.decided_at is not None)


def _reject_by_rules(order: Order, record: ReviewRound, steps: list[ReviewStep],
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
    _end_round(record, Outcome.REJECTED, now)
    flush()
    reasons = tuple(dict.fromkeys(code for finding, _ in rejections for code in finding.reason_codes))
    rules = tuple(dict.fromkeys(finding.rule for finding, _ in rejections))
    if change_rounds.of_round(order, record.number) is not None:
        change_rounds.refused(order, record.number, Outcome.REJECTED, reasons, actor=None)
        return
    decision = Decision(Outcome.REJECTED, reasons=reasons, rules=rules, steps=_outcomes(steps),
                        step_times=_times(steps))
    events.decide_review(order, decision, actor=None, note="rejected_by_rules")


# --- deciding a step ------------------------------------------------------------


def _round_record(step: ReviewStep) -> ReviewRound | None:
    if not step.round_id:
        return None
    held = recalled(_ROUND_RECORD + (step.round_id,))
    return held if isinstance(held, ReviewRound) else db.session.get(ReviewRound, step.round_id)


def _check_reason(step: ReviewStep, decision: StepDecision, reason_code: str | None,
                  reason: str | None) -> tuple[str | None, str | None]:
    reason = (reason or "").strip() or None
    reason_code = (reason_code or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise ValidationError(_("the reason is longer than %(max)s characters", max=REASON_MAX), field="reason")
    if decision == StepDecision.APPROVE:
        return None, reason
    if reason_code is None:
        raise ValidationError(_("choose a reason code for rejecting or sending back"), field="reason_code")
    codes = [code for code, _label in policy.reason_choices(step.company_id)]
    if reason_code not in codes:
        raise ValidationError(_("reason code %(code)s is not one of %(codes)s", code=reason_code,
                                codes=", ".join(codes)), field="reason_code")
    if reason is None:
        message = (_("give a reason for rejecting") if decision == StepDecision.REJECT
                   else _("give a reason for sending the order back"))
        raise ValidationError(message, field="reason")
    return reason_code, reason


def decide(
    step: ReviewStep,
    decision: StepDecision,
    reason: str | None,
    *,
    actor: User,
    expected_version: int | None = None,
    reason_code: str | None = None,
) -> ReviewStep:
    """Record ``actor``'s decision on an open step and move the review on.

    An approval counts towards the step's policy; once it is met the step is
    approved, and when its whole group is, the next group opens, or the order
    is approved when none is left. Rejecting or sending back ends the round at
    once; both need a reason code from the company's list and the reason in
    words. ``expected_version`` is the step's version the decider saw: a
    different one means someone decided first, and the call fails with a
    conflict. Nothing is written when the call fails.
    """
    if not may_decide(actor, step):
        if not (step.roles or step.users):
            check(actor, step.permission)
        raise PermissionDenied(_("you may not decide the %(step)s step", step=_name(step)),
                               permissions=(step.permission,))
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
                         "only an open step can be decided",
                         step=_name(step), number=order.display_number, status=label(step.status)))
    if any(d.user_id == actor.id for d in step.decisions):
        raise Conflict(_("you have already decided the %(step)s step of order %(number)s",
                         step=_name(step), number=order.display_number))
    if decision == StepDecision.APPROVE and not may_approve(actor, step):
        raise PermissionDenied(_("you entered order %(number)s: someone else approves its sales step",
                                 number=order.display_number))
    reason_code, reason = _check_reason(step, decision, reason_code, reason)
    if decision == StepDecision.APPROVE:
        blocking = [f for f in step.findings if f.blocks]
        if blocking:
            raise Conflict(_("the %(step)s step has blocking findings (%(rules)s); a manager must override "
                             "them with a reason first", step=_name(step),
                             rules=", ".join(label(f.rule, "rule") for f in blocking)))

    now = utcnow()
    db.session.add(ReviewDecision(company_id=step.company_id, step_id=step.id, user_id=actor.id, decision=decision,
                                  reason_code=reason_code, reason=reason, decided_at=now))
    if decision == StepDecision.APPROVE:
        step.approvals += 1
        settled = step.approvals >= step.required
    else:
        settled = True
    if settled:
        step.status = _STEP_STATUS[decision]
        step.decided_at = now
        step.decided_by_id = actor.id
        step.reason_code = reason_code
        step.reason = reason
    flush()  # the row-version check: of two concurrent decisions, the second fails here
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="review_step", entity_id=step.id,
        action="review_step_decided", actor=actor, before={"status": StepStatus.OPEN.value},
        after={"status": step.status.value, "department": step.department, "round": step.round,
               "decision": decision.value, "approvals": step.approvals, "required": step.required,
               **({"reason_code": reason_code} if reason_code else {}), **({"reason": reason} if reason else {})},
    )
    if not settled:
        return step

    # The round's steps as step_for read them with this one (the same rows the session holds), else read now.
    steps = recalled(_ROUND_STEPS + (order.id, step.round)) or _round_steps(order.id, step.round)
    if decision == StepDecision.APPROVE:
        if any(s.status == StepStatus.OPEN for s in steps):
            return step  # the rest of the group is still deciding
        if _open_next_group(steps, now):
            flush()
            return step
        _end_round(_round_record(step), Outcome.APPROVED, now)
        if change is not None:
            change_rounds.approved(order, step.round, actor=actor)
            return step
        approved = Decision(Outcome.APPROVED, decided_by=actor.id, steps=_outcomes(steps),
                            step_times=_times(steps))
        events.decide_review(order, approved, actor=actor)
        return step

    _close_waiting(steps)
    _end_round(_round_record(step), _OUTCOME[decision], now)
    if change is not None:
        change_rounds.refused(order, step.round, _OUTCOME[decision], tuple(r for r in (reason_code, reason) if r),
                              actor=actor)
        return step
    outcome = Decision(_OUTCOME[decision], reasons=tuple(r for r in (reason_code, reason) if r),
                       decided_by=actor.id, steps=_outcomes(steps), step_times=_times(steps))
    events.decide_review(order, outcome, actor=actor)
    return step


def _close_waiting(steps: list[ReviewStep]) -> None:
    for other in steps:
        if other.status in (StepStatus.WAITING, StepStatus.OPEN):
            other.status = StepStatus.CLOSED
    flush()


def close_review(order: Order) -> None:
    """Close the steps still waiting in the order's latest round (the order was cancelled)."""
    number = current_round(order)
    _close_waiting(_round_steps(order.id, number))
    record = db.session.execute(select(ReviewRound).where(
        ReviewRound.order_id == order.id, ReviewRound.number == number)).scalar_one_or_none()
    if record is not None and record.status == RoundStatus.OPEN:
        record.status = RoundStatus.CLOSED
        record.decided_at = utcnow()
        flush()


def override(finding: ReviewFinding, reason: str | None, *, actor: User) -> ReviewFinding:
    """A manager lets a blocking finding through with a reason, so its step may be approved."""
    if not actor.can(OVERRIDE):
        raise PermissionDenied(_("only a manager may override a blocking finding"), permissions=(OVERRIDE,))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("give a reason for overriding the finding"), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(_("the reason is longer than %(max)s characters", max=REASON_MAX), field="reason")
    if finding.severity != Severity.BLOCKING:
        raise Conflict(_("only a blocking finding can be overridden"))
    if finding.overridden_at is not None:
        raise Conflict(_("the finding is already overridden"))
    step = db.session.get(ReviewStep, finding.step_id) if finding.step_id else None
    if step is None or step.status not in (StepStatus.OPEN, StepStatus.WAITING):
        raise Conflict(_("the finding's step is no longer open"))
    finding.overridden_by_id, finding.overridden_at, finding.override_reason = actor.id, utcnow(), reason
    flush()
    audit.record(company_id=finding.company_id, order_id=finding.order_id, entity="review_finding",
                 entity_id=finding.id, action="review_finding_overridden", actor=actor,
                 after={"rule": finding.rule, "step": step.department, "reason": reason})
    return finding


def _name(step: ReviewStep) -> str:
    return labels.department(step.department, step.label)


# --- reading ------------------------------------------------------------------


def rounds(order: Order) -> list[Round]:
    """Every review round of the order, oldest first, with its steps and findings."""
    by_number: dict[int, Round] = {}
    for record in db.session.execute(select(ReviewRound).where(ReviewRound.order_id == order.id)).scalars():
        by_number.setdefault(record.number, Round(record.number)).record = record
    steps = list(db.session.execute(
        select(ReviewStep).where(ReviewStep.order_id == order.id)
        .order_by(ReviewStep.round, ReviewStep.sequence, ReviewStep.id)
        # Who decided each step joined in; the findings are the order's, read once below for every step.
        .options(joinedload(ReviewStep.decided_by), joinedload(ReviewStep.decisions), lazyload(ReviewStep.findings))
    ).unique().scalars())
    for step in steps:
        by_number.setdefault(step.round, Round(step.round)).steps.append(step)
    findings = list(db.session.execute(
        select(ReviewFinding).where(ReviewFinding.order_id == order.id)
        .order_by(ReviewFinding.round, ReviewFinding.id)
    ).scalars())
    by_step: dict[int, list[ReviewFinding]] = defaultdict(list)
    for finding in findings:
        by_number.setdefault(finding.round, Round(finding.round)).findings.append(finding)
        if finding.step_id is not None:
            by_step[finding.step_id].append(finding)
    for step in steps:
        if "findings" not in inspect(step).dict:
            # The relationship's own order (by id): a step's findings are all of its round.
            set_committed_value(step, "findings", by_step.get(step.id, []))
    return [by_number[number] for number in sorted(by_number)]


_STEP_LISTED = (joinedload(ReviewStep.decided_by), joinedload(ReviewStep.decisions), joinedload(ReviewStep.findings))


def steps_of(order: Order) -> list[ReviewStep]:
    """Every review step of the order, oldest round first, each with its decisions and findings.

    What the API lists: one statement, where :func:`rounds` also reads the rounds and the findings filed under
    no step (a step's findings and decisions are a few rows each, joined in).
    """
    return list(db.session.execute(
        select(ReviewStep).where(ReviewStep.order_id == order.id)
        .order_by(ReviewStep.round, ReviewStep.sequence, ReviewStep.id).options(*_STEP_LISTED)
    ).unique().scalars())


def order_steps(user: User, order_id: int) -> list[ReviewStep]:
    """:func:`steps_of` the order ``user`` asks for (NotFound as :func:`get_order` says it), with the order read in
    the same statement and kept as get_order's answer: one statement for the API's list of an order's steps."""
    if not is_id(order_id):
        return steps_of(get_order(user, order_id))  # it raises the order's NotFound
    rows = db.session.execute(
        select(Order, ReviewStep).outerjoin(ReviewStep, ReviewStep.order_id == Order.id)
        .where(Order.id == order_id, visible_to(user))
        .order_by(ReviewStep.round, ReviewStep.sequence, ReviewStep.id).options(*ORDER_AS_GOT, *_STEP_LISTED)
    ).unique().all()
    if not rows:
        return steps_of(get_order(user, order_id))  # it raises the order's NotFound
    hold_order(rows[0][0])
    return [step for _order, step in rows if step is not None]


def open_steps(order: Order) -> list[ReviewStep]:
    """The steps waiting for decisions now, if the order (or a change to it) is in review."""
    if order.status not in IN_REVIEW:
        return []
    return list(db.session.execute(
        select(ReviewStep).where(ReviewStep.order_id == order.id, ReviewStep.status == StepStatus.OPEN,
                                 ReviewStep.round == current_round(order))
        .order_by(ReviewStep.sequence, ReviewStep.id)
    ).scalars())


def open_step(order: Order) -> ReviewStep | None:
    """The first step waiting for a decision now, if the order is in review."""
    found = open_steps(order)
    return found[0] if found else None


def steps_to_decide(order: Order, user: User) -> list[ReviewStep]:
    """The order's open steps ``user`` may decide and has not decided yet (the forms their pages show)."""
    return [step for step in open_steps(order)
            if may_decide(user, step) and not any(d.user_id == user.id for d in step.decisions)]


def open_steps_for(user: User, limit: int | None = None) -> list[ReviewStep]:
    """The open steps waiting for ``user``'s decision, late (earliest due) first; the first ``limit`` of them.

    Those they may decide and have not decided yet, less the sales step of an
    order they entered (someone else approves it): the inbox and the queue list
    only what is the user's to decide. One query, the steps with their orders
    (and the orders' customers); the steps' own findings and decisions are not
    loaded, however many steps there are.
    """
    waiting = _waiting_for(user)
    if waiting is None:
        return []
    return list(db.session.execute(
        waiting.with_only_columns(ReviewStep)
        .order_by(ReviewStep.due_at.asc().nulls_last(), ReviewStep.id).limit(limit)
        .options(contains_eager(ReviewStep.order).options(lazyload(Order.lines), lazyload(Order.module_rows)),
                 lazyload(ReviewStep.findings), lazyload(ReviewStep.decisions))
    ).scalars())


def waiting_for(user: User) -> Select[Any]:
    """The open steps that are ``user``'s to decide, joined to their orders: the review queue's source
    (none for a user who may decide nothing)."""
    waiting = _waiting_for(user)
    return waiting if waiting is not None else select(ReviewStep.id).where(false())


def count_open_steps(user: User, now: datetime) -> dict[bool, tuple[int, int]]:
    """How many open steps wait for ``user``'s decision and how many are late, in one query.

    By whether the step decides a change request (``True``) or the order's own
    review (``False``): the steps ``open_steps_for`` lists, counted.
    """
    waiting = _waiting_for(user)
    if waiting is None:
        return {}
    of_change = exists().where(ChangeRequest.order_id == ReviewStep.order_id, ChangeRequest.round == ReviewStep.round)
    late = ReviewStep.due_at < now
    total, late_ones, changes, late_changes = db.session.execute(waiting.with_only_columns(
        func.count(), func.count(case((late, 1))), func.count(case((of_change, 1))),
        func.count(case((and_(of_change, late), 1))))).one()
    return {False: (total - changes, late_ones - late_changes), True: (changes, late_changes)}


def _waiting_for(user: User) -> Select[Any] | None:
    """The open steps that are ``user``'s to decide, as a query of ``ReviewStep`` joined to its ``Order``.

    ``may_decide``, ``may_approve`` and "not decided by them yet" in SQL, so that
    the inbox counts and pages them in the database; None for a user who may
    decide nothing (a customer's user, an inactive one).
    """
    if user.customer_id is not None or not user.active:
        return None
    named = (func.json_array_length(ReviewStep.roles) > 0) | (func.json_array_length(ReviewStep.users) > 0)
    # The cheapest test first: most steps are decided by a permission, and SQLite stops an OR at its first
    # true term (reading the JSON arrays of 25,000 open steps first took two thirds of the count).
    may = or_(
        and_(ReviewStep.permission.in_(sorted(user.permissions)), ~named),
        and_(named, or_(_json_holds(ReviewStep.users, [user.id]), _json_holds(ReviewStep.roles, user.role_names))),
        _json_holds(ReviewStep.escalated_to, [user.id]),
    )
    conditions = [
        ReviewStep.company_id == user.company_id, ReviewStep.status == StepStatus.OPEN,
        Order.status.in_(IN_REVIEW), visible_to(user), may,
        ~exists().where(ReviewDecision.step_id == ReviewStep.id, ReviewDecision.user_id == user.id),
    ]
    if not policy.settings_for(user.company_id).allow_self_approval:
        conditions.append(or_(ReviewStep.department != "sales", Order.created_by_id.is_(None),
                              Order.created_by_id != user.id))
    return select(ReviewStep.id).join(Order, Order.id == ReviewStep.order_id).where(*conditions)


def _json_holds(column: Any, values: Iterable[int | str]) -> ColumnElement[bool]:
    """SQL: the JSON array in ``column`` holds any of ``values``, on PostgreSQL and SQLite alike."""
    wanted = list(values)
    if not wanted:
        return false()
    if db.session.get_bind().dialect.name == "postgresql":
        return or_(*(cast(column, JSONB).contains([value]) for value in wanted))
    element = func.json_each(column).table_valued("value")
    return exists().select_from(element).where(element.c.value.in_(wanted))


def step_for(user: User, step_id: int) -> ReviewStep:
    """A review step of an order ``user`` may see, or NotFound."""
    # With what deciding reads in one statement: the other steps of its round, which a decision moves on, each
    # step's decisions and findings (a few rows each), the round's record and the change request it decides.
    # The round's steps and its change request are kept for the unit of work; the record is the session's. The
    # order, which the user must be allowed to see, is joined in and kept as get_order's answer: not read again.
    asked = (select(ReviewStep.order_id, ReviewStep.round)
             .where(ReviewStep.company_id == user.company_id, ReviewStep.id == step_id).subquery())
    rows = db.session.execute(
        select(ReviewStep, ReviewRound, ChangeRequest, Order)
        .join(asked, and_(ReviewStep.order_id == asked.c.order_id, ReviewStep.round == asked.c.round))
        .join(Order, and_(Order.id == ReviewStep.order_id, visible_to(user)))
        .outerjoin(ReviewRound, ReviewRound.id == ReviewStep.round_id)
        .outerjoin(ChangeRequest, and_(ChangeRequest.order_id == ReviewStep.order_id,
                                       ChangeRequest.round == ReviewStep.round))
        .order_by(ReviewStep.sequence, ReviewStep.id)
        .options(joinedload(ReviewStep.decisions), joinedload(ReviewStep.findings), *ORDER_AS_GOT)
    ).unique().all() if is_id(step_id) else []
    steps = [row[0] for row in rows]
    step = next((each for each in steps if each.id == step_id), None)
    if step is None:
        # Also a step of an order the user may not see: its existence is not told either.
        raise NotFound(_("%(what)s %(id)s does not exist", what=_("review step"), id=step_id))
    remember(_ROUND_STEPS + (step.order_id, step.round), steps, tables=())
    remember(change_rounds.of_round_key(step.order_id, step.round), rows[0][2],
             tables=(ChangeRequest.__tablename__,))
    if rows[0][1] is not None:
        remember(_ROUND_RECORD + (rows[0][1].id,), rows[0][1], tables=())
    hold_order(rows[0][3])
    return step


def finding_for(user: User, finding_id: int) -> ReviewFinding:
    """A finding of an order ``user`` may see, or NotFound."""
    finding = get_scoped(ReviewFinding, user.company_id, finding_id, what=_("review finding"))
    try:
        get_order(user, finding.order_id)
    except NotFound:
        raise NotFound(_("review finding %(id)s does not exist", id=finding_id)) from None
    return finding
