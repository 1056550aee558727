"""The at-risk sweep: each confirmed plan against its promised date, and the customer's notice of a new date.

``sweep(company, now)`` (``ordo logistics sweep [--as-of]`` and the
``logistics.risk_sweep`` job) takes the company's confirmed plans of orders still
being made, locked with ``SKIP LOCKED`` on PostgreSQL so that two sweeps at once
never take the same plan. For each it counts the remaining work forwards from
``now`` in working hours (the company's calendar), a task's open incidents adding
their delay to that task and the order's to the end. When the plan can no longer
finish by the start of its promised day, it is flagged at risk with the first day
it can meet; the responsible salesperson (who entered the order) finds the notice
in their inbox and confirms it, or, when the company says so, it goes at once. A
notice is a row unique per plan and expected date, inserted "on conflict do
nothing": only the sweep that inserted it goes on, so the customer hears of each
new date once however often and however many sweeps run. A plan that recovers has
its flag cleared and any notice not yet sent withdrawn.

The notice is emailed through the outbox in the customer's language, from the
company's printed name, with the new date and the cause as the incident kinds'
labels: an incident's own description is internal and never sent.

Statements: one for the plans (their tasks and dependencies are loaded by one more
each), one for the open incidents, one for the at-risk rows, one for the recovered
ones and one for the setting, whatever the number of plans; a plan whose state
changes adds its writes.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, true, update

from core import audit, outbox
from core.auth.context import check
from core.calendar import Calendar, calendar_for
from core.db import flush, is_id
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.jobs import INSERT_IGNORING_DUPLICATES
from core.models import Company, Order, User, utcnow
from core.orders.queries import visible_to
from plugins.logistics.execution.models import ExecutionPlan, PlanStatus, TaskDependency, TaskStatus
from plugins.logistics.execution.schedule import Step, earliest_finish, first_day_after
from plugins.logistics.execution.services import PLANNABLE
from plugins.logistics.incidents.models import (
    Incident, IncidentKind, IncidentStatus, NoticeStatus, PlanRisk, RiskNotice, RiskSettings,
)

NOTIFY = "logistics.notify"
SETTINGS = "logistics.templates"
KIND = "logistics.delay_notice"
TEMPLATE = "logistics/delay_notice_email.txt"
MESSAGE_MAX = 2000


# --- the company's setting -------------------------------------------------------------


def notifies_at_once(company_id: int) -> bool:
    """Whether the company sends a new date to the customer at once, without the salesperson's confirmation."""
    return bool(db.session.execute(select(RiskSettings.notify_at_once)
                                   .where(RiskSettings.company_id == company_id)).scalar_one_or_none())


def set_notify_at_once(actor: User, value: bool) -> bool:
    check(actor, SETTINGS)
    settings = db.session.get(RiskSettings, actor.company_id)
    before = bool(settings and settings.notify_at_once)
    if settings is None:
        settings = RiskSettings(company_id=actor.company_id)
        db.session.add(settings)
    settings.notify_at_once = bool(value)
    flush()
    if before != settings.notify_at_once:
        audit.record(company_id=actor.company_id, entity="risk_settings", entity_id=actor.company_id,
                     action="settings_changed", actor=actor, before={"notify_at_once": before},
                     after={"notify_at_once": settings.notify_at_once})
    return settings.notify_at_once


# --- where a plan stands ---------------------------------------------------------------


def expected_finish(plan: ExecutionPlan, incidents: Sequence[Incident] | Sequence[Any], now: datetime,
                    calendar: Calendar, depends: Mapping[int, tuple[int, ...]] | None = None) -> datetime:
    """When the plan's work can all be done at the soonest from ``now``, open incidents' delays included.

    An incident on an open task lengthens that task (and so what waits for it); one on the order, or on a
    task done or cancelled since, comes on top at the end.
    """
    live = [task for task in plan.tasks if task.status != TaskStatus.CANCELLED]
    open_ids = {task.id for task in live if task.is_open}
    extra: dict[int, Decimal] = defaultdict(Decimal)
    at_end = Decimal(0)
    for incident in incidents:
        if incident.task_id in open_ids:
            extra[incident.task_id] += incident.delay_hours
        else:
            at_end += incident.delay_hours
    if depends is None:
        depends = {task.id: tuple(dep.id for dep in task.depends_on) for task in live}
    steps = [Step(task.id, task.name, task.hours + extra[task.id], depends.get(task.id, ())) for task in live]
    finish = earliest_finish(
        steps, now, calendar,
        finished={task.id: task.completed_at or now for task in live if task.status == TaskStatus.DONE},
        started={task.id: task.started_at or now for task in live if task.status == TaskStatus.STARTED})
    return calendar.add(finish, float(at_end)) if at_end else finish


def expected_date(plan: ExecutionPlan, incidents: Sequence[Any], now: datetime, calendar: Calendar,
                  depends: Mapping[int, tuple[int, ...]] | None = None) -> date | None:
    """The first day the plan can meet when that is after its promised date; None while it can make it."""
    finish = expected_finish(plan, incidents, now, calendar, depends)
    return first_day_after(finish, calendar.zone) if finish > plan.deadline else None


def dependencies(plans: Sequence[ExecutionPlan]) -> dict[int, tuple[int, ...]]:
    """What each task of the plans waits for, by task id, in one query (rather than one per task)."""
    ids = [task.id for plan in plans for task in plan.tasks]
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        for task_id, depends_on_id in db.session.execute(
                select(TaskDependency.task_id, TaskDependency.depends_on_id)
                .where(TaskDependency.task_id.in_(ids)).order_by(TaskDependency.depends_on_id)).all():
            found[task_id].append(depends_on_id)
    return {task_id: tuple(refs) for task_id, refs in found.items()}


def open_incidents(order_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The open incidents of the orders (order id, task id, kind, delay), by order, in one query."""
    found: dict[int, list[Any]] = defaultdict(list)
    if order_ids:
        for row in db.session.execute(
                select(Incident.order_id, Incident.task_id, Incident.kind, Incident.delay_hours)
                .where(Incident.order_id.in_(order_ids), Incident.status == IncidentStatus.OPEN)
                .order_by(Incident.id)).all():
            found[row.order_id].append(row)
    return found


# --- the sweep ---------------------------------------------------------------------------


def sweep(company: Company, now: datetime | None = None) -> str | None:
    """Flag the company's plans that can no longer make their date, clear those that recovered; what it did."""
    now = now or utcnow()
    plans = list(db.session.execute(
        select(ExecutionPlan).join(Order, Order.id == ExecutionPlan.order_id)
        .where(ExecutionPlan.company_id == company.id, ExecutionPlan.status == PlanStatus.CONFIRMED,
               Order.status.in_(PLANNABLE))
        .order_by(ExecutionPlan.id)
        .with_for_update(of=ExecutionPlan, skip_locked=True)).unique().scalars())
    flagged = cleared = 0
    if plans:
        calendar = calendar_for(company.id)
        incidents = open_incidents([plan.order_id for plan in plans])
        depends = dependencies(plans)
        risks = {risk.plan_id: risk for risk in db.session.execute(
            select(PlanRisk).where(PlanRisk.plan_id.in_([plan.id for plan in plans]))).scalars()}
        at_once: bool | None = None
        for plan in plans:
            risk = risks.get(plan.id)
            expected = expected_date(plan, incidents[plan.order_id], now, calendar, depends)
            if expected is None:
                if risk is not None and risk.at_risk:
                    _clear(plan, risk, now)
                    cleared += 1
                continue
            if risk is not None and risk.at_risk and risk.expected_date == expected:
                continue
            if at_once is None:
                at_once = notifies_at_once(company.id)
            reasons = sorted({IncidentKind(row.kind).value for row in incidents[plan.order_id]})
            _flag(plan, risk, expected, reasons, now, at_once)
            flagged += 1
    cleared += _clear_finished(company, [plan.id for plan in plans], now)
    done = []
    if flagged:
        done.append(_("%(count)s orders at risk", count=flagged))
    if cleared:
        done.append(_("%(count)s back on time", count=cleared))
    return ", ".join(done) or None


def _flag(plan: ExecutionPlan, risk: PlanRisk | None, expected: date, reasons: list[str], now: datetime,
          at_once: bool) -> None:
    if risk is None:
        risk = PlanRisk(company_id=plan.company_id, plan_id=plan.id, order_id=plan.order_id)
        db.session.add(risk)
    before = risk.expected_date if risk.at_risk else None
    if not risk.at_risk:
        risk.flagged_at = now
    risk.at_risk, risk.expected_date, risk.reasons, risk.checked_at = True, expected, reasons, now
    _withdraw_pending(plan.id, keep=expected)
    flush()
    audit.record(company_id=plan.company_id, order_id=plan.order_id, entity="execution_plan", entity_id=plan.id,
                 action="order_at_risk", actor=None,
                 before={"expected_date": before.isoformat()} if before else None,
                 after={"promised_date": plan.target_date.isoformat(), "expected_date": expected.isoformat(),
                        "reasons": reasons})
    notice = _notice_for(plan, expected, reasons, now)
    if notice is not None and at_once:
        send_notice(notice, None, now=now)


def _notice_for(plan: ExecutionPlan, expected: date, reasons: list[str], now: datetime) -> RiskNotice | None:
    """The plan's notice of ``expected``, new or revived from withdrawn; None when one was made before."""
    insert = INSERT_IGNORING_DUPLICATES[db.session.get_bind().dialect.name]
    inserted = db.session.execute(
        insert(RiskNotice)
        .values(company_id=plan.company_id, plan_id=plan.id, order_id=plan.order_id,
                promised_date=plan.target_date, expected_date=expected, reasons=reasons,
                status=NoticeStatus.PENDING, created_at=now, version=1)
        .on_conflict_do_nothing(index_elements=["plan_id", "expected_date"])
        .returning(RiskNotice.id)).scalar_one_or_none()
    if inserted is not None:
        return db.session.get_one(RiskNotice, inserted)
    revived = db.session.execute(
        update(RiskNotice).where(RiskNotice.plan_id == plan.id, RiskNotice.expected_date == expected,
                                 RiskNotice.status == NoticeStatus.WITHDRAWN)
        .values(status=NoticeStatus.PENDING, reasons=reasons, version=RiskNotice.version + 1)
        .returning(RiskNotice.id)).scalar_one_or_none()
    return db.session.get_one(RiskNotice, revived, populate_existing=True) if revived is not None else None


def _withdraw_pending(plan_id: int, keep: date | None) -> None:
    conditions = [RiskNotice.plan_id == plan_id, RiskNotice.status == NoticeStatus.PENDING]
    if keep is not None:
        conditions.append(RiskNotice.expected_date != keep)
    db.session.execute(update(RiskNotice).where(*conditions)
                       .values(status=NoticeStatus.WITHDRAWN, version=RiskNotice.version + 1)
                       .execution_options(synchronize_session=False))


def _clear(plan: ExecutionPlan, risk: PlanRisk, now: datetime) -> None:
    before = risk.expected_date
    risk.at_risk, risk.expected_date, risk.reasons, risk.cleared_at, risk.checked_at = False, None, [], now, now
    _withdraw_pending(plan.id, keep=None)
    flush()
    audit.record(company_id=plan.company_id, order_id=plan.order_id, entity="execution_plan", entity_id=plan.id,
                 action="order_risk_cleared", actor=None,
                 before={"expected_date": before.isoformat() if before else None},
                 after={"promised_date": plan.target_date.isoformat()})


def _clear_finished(company: Company, swept: list[int], now: datetime) -> int:
    """Clear the flags of plans no longer being worked (done, cancelled, shipped): nothing is at risk there."""
    stale = list(db.session.execute(
        select(PlanRisk).join(ExecutionPlan, ExecutionPlan.id == PlanRisk.plan_id)
        .join(Order, Order.id == PlanRisk.order_id)
        .where(PlanRisk.company_id == company.id, PlanRisk.at_risk.is_(True),
               or_(ExecutionPlan.status != PlanStatus.CONFIRMED, Order.status.not_in(PLANNABLE)),
               PlanRisk.plan_id.not_in(swept) if swept else true())
        .with_for_update(of=PlanRisk, skip_locked=True)).scalars())
    for risk in stale:
        risk.at_risk, risk.expected_date, risk.reasons, risk.cleared_at = False, None, [], now
        _withdraw_pending(risk.plan_id, keep=None)
    return len(stale)


# --- the notice ------------------------------------------------------------------------------


def send_notice(notice: RiskNotice, actor: User | None, *, message: str | None = None,
                now: datetime | None = None) -> RiskNotice:
    """Queue the customer's notice of the new date, in their language; note it when they have no email."""
    now = now or utcnow()
    order: Order = notice.order
    company = db.session.get_one(Company, order.company_id)
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        audit.record(company_id=order.company_id, order_id=order.id, entity="risk_notice", entity_id=notice.id,
                     action="delay_notice_not_sent", actor=actor,
                     note=_("customer %(name)s has no email address: the new date was not emailed",
                            name=order.customer.name))
    else:
        sent = outbox.send_email(TEMPLATE, recipient, company_id=order.company_id, kind=KIND, order_id=order.id,
                                 order=order, company=company, notice=notice, reasons=notice.reasons,
                                 message=message)
        notice.outbox_id = sent.id
    notice.status, notice.sent_at, notice.message = NoticeStatus.SENT, now, message
    notice.confirmed_by_id = actor.id if actor else None
    flush()
    # The customer's timeline shows the dates they were told, never the incidents behind them.
    audit.record(company_id=order.company_id, order_id=order.id, entity="risk_notice", entity_id=notice.id,
                 action="customer_notified_of_delay", actor=actor,
                 after={"promised_date": notice.promised_date.isoformat(),
                        "expected_date": notice.expected_date.isoformat()})
    return notice


def get_notice(user: User, notice_id: Any) -> RiskNotice:
    notice = None
    if isinstance(notice_id, int) and is_id(notice_id):
        notice = db.session.execute(
            select(RiskNotice).join(Order, Order.id == RiskNotice.order_id)
            .where(RiskNotice.company_id == user.company_id, RiskNotice.id == notice_id, visible_to(user))
        ).scalar_one_or_none()
    if notice is None:
        raise NotFound(_("notice %(id)s does not exist", id=notice_id))
    return notice


def notices_of(order: Order) -> list[RiskNotice]:
    return list(db.session.execute(select(RiskNotice).where(RiskNotice.order_id == order.id)
                                   .order_by(RiskNotice.created_at.desc(), RiskNotice.id.desc())).scalars())


def confirm_notice(notice: RiskNotice, actor: User, message: str | None = None) -> RiskNotice:
    """The salesperson confirms the new date: the notice goes to the customer, with their words if any."""
    check(actor, NOTIFY)
    text = (message or "").strip() or None
    if text is not None and len(text) > MESSAGE_MAX:
        raise ValidationError(_("the message is longer than %(max)s characters", max=MESSAGE_MAX), field="message")
    if notice.status == NoticeStatus.SENT:
        raise Conflict(_("the notice of %(date)s was sent already", date=notice.expected_date.isoformat()),
                       field="status")
    if notice.status == NoticeStatus.WITHDRAWN:
        raise Conflict(_("the notice of %(date)s is withdrawn: the expected date changed since",
                         date=notice.expected_date.isoformat()), field="status")
    return send_notice(notice, actor, message=text)


def _to_confirm(user: User) -> Select[Any]:
    mine = Order.created_by_id == user.id
    return (select(RiskNotice.id).join(Order, Order.id == RiskNotice.order_id)
            .where(RiskNotice.company_id == user.company_id, RiskNotice.status == NoticeStatus.PENDING,
                   or_(mine, Order.created_by_id.is_(None)), visible_to(user)))


def notices_to_confirm(user: User, limit: int | None = None) -> list[tuple[int, int, str | None, date]]:
    """Pending notices of the orders ``user`` entered (or of orders nobody entered, for whoever may notify):
    (notice id, order id, order number, expected date), oldest first, at most ``limit``, in one query."""
    rows = db.session.execute(_to_confirm(user).with_only_columns(
        RiskNotice.id, RiskNotice.order_id, Order.number, RiskNotice.expected_date)
        .order_by(RiskNotice.created_at, RiskNotice.id).limit(limit)).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def count_notices_to_confirm(user: User) -> int:
    """How many notices ``notices_to_confirm`` lists, in one query."""
    return db.session.execute(_to_confirm(user).with_only_columns(func.count())).scalar_one()
