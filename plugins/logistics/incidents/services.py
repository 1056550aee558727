"""Incidents: recorded on an order or one of its tasks, escalated to a manager, resolved; each step audited.

An incident names its kind, its expected delay in working hours (the sweep adds
it to the remaining work: to its task's, or at the end for the order's) and an
internal description. Escalation goes to the recorder's superior, else to every
active user holding ``logistics.escalations``; they see it in the inbox until it
is resolved. Nothing of an incident reaches the customer but what the at-risk
notice says of its kind.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from core import audit
from core.auth.context import check
from core.db import flush, is_id
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Order, OrderStatus, RolePermission, User, utcnow
from core.models.users import user_role
from core.orders.queries import visible_to
from plugins.logistics.execution.models import HOURS_FIGURE, ExecutionTask
from plugins.logistics.incidents.models import Incident, IncidentEscalation, IncidentKind, IncidentStatus

RECORD = "logistics.incidents"
ESCALATIONS = "logistics.escalations"
TEXT_MAX = 2000
MAX_DELAY = Decimal(10) ** (HOURS_FIGURE[0] - HOURS_FIGURE[1]) - Decimal("0.01")
# Orders on which incidents are recorded: approved and not yet delivered.
OPEN_ORDERS = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED})


def incidents_of(order: Order) -> list[Incident]:
    """The order's incidents, newest first."""
    return list(db.session.execute(
        select(Incident).where(Incident.company_id == order.company_id, Incident.order_id == order.id)
        .order_by(Incident.recorded_at.desc(), Incident.id.desc())).scalars())


def visible_incidents(user: User) -> Select[Any]:
    return (select(Incident).join(Order, Order.id == Incident.order_id)
            .where(Incident.company_id == user.company_id, visible_to(user)))


def get_incident(user: User, incident_id: Any) -> Incident:
    incident = None
    if isinstance(incident_id, int) and is_id(incident_id):
        incident = db.session.execute(visible_incidents(user).where(Incident.id == incident_id)).scalar_one_or_none()
    if incident is None:
        raise NotFound(_("incident %(id)s does not exist", id=incident_id))
    return incident


def _kind(value: Any) -> IncidentKind:
    try:
        return IncidentKind(value)
    except ValueError:
        raise ValidationError(_("%(kind)s is not a kind of incident; say one of %(kinds)s", kind=value,
                                kinds=", ".join(kind.value for kind in IncidentKind)), field="kind") from None


def _delay(value: Any) -> Decimal:
    try:
        delay = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("the expected delay is a number of working hours"), field="delay_hours") from None
    if not delay.is_finite():
        raise ValidationError(_("the expected delay is a number of working hours"), field="delay_hours")
    if delay < 0:
        raise ValidationError(_("the expected delay cannot be negative"), field="delay_hours")
    if delay > MAX_DELAY:
        raise ValidationError(_("the expected delay is at most %(max)s working hours", max=MAX_DELAY),
                              field="delay_hours")
    return delay.quantize(Decimal("0.01"))


def _text(value: str | None, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(missing, field=field)
    if len(text) > TEXT_MAX:
        raise ValidationError(_("the text is longer than %(max)s characters", max=TEXT_MAX), field=field)
    return text


def record_incident(order: Order, actor: User, *, kind: Any, delay_hours: Any, description: str | None,
                    task_id: int | None = None) -> Incident:
    """Record an incident on the order, or on one of its tasks; refused on an order no longer worked."""
    check(actor, RECORD)
    incident_kind = _kind(kind)
    delay = _delay(delay_hours)
    text = _text(description, "description", _("say what happened"))
    if order.status not in OPEN_ORDERS:
        raise Conflict(_("order %(number)s is %(status)s: incidents are recorded on approved orders until they are "
                         "delivered", number=order.display_number, status=order.status.value), field="order")
    task: ExecutionTask | None = None
    if task_id is not None:
        task = db.session.execute(select(ExecutionTask).where(
            ExecutionTask.id == task_id, ExecutionTask.order_id == order.id)).scalar_one_or_none()
        if task is None:
            raise ValidationError(_("task %(id)s is not a task of order %(number)s", id=task_id,
                                    number=order.display_number), field="task_id")
    incident = Incident(company_id=order.company_id, order_id=order.id, task_id=task.id if task else None,
                        kind=incident_kind, delay_hours=delay, description=text, recorded_by_id=actor.id,
                        recorded_at=utcnow())
    incident.order, incident.task, incident.recorded_by = order, task, actor
    db.session.add(incident)
    flush()
    audit.record(company_id=order.company_id, order_id=order.id, entity="incident", entity_id=incident.id,
                 action="incident_recorded", actor=actor,
                 after={"kind": incident_kind.value, "delay_hours": str(delay), "task": task.name if task else None,
                        "description": text})
    return incident


def managers_for(actor: User) -> list[User]:
    """Who an incident goes up to: the actor's superior, else every active user who handles escalations."""
    if actor.superior_id is not None:
        superior = db.session.get(User, actor.superior_id)
        if superior is not None and superior.active:
            return [superior]
    holders = (select(user_role.c.user_id).join(RolePermission, RolePermission.role_id == user_role.c.role_id)
               .where(RolePermission.permission == ESCALATIONS))
    return list(db.session.execute(
        select(User).where(User.company_id == actor.company_id, User.active, User.customer_id.is_(None),
                           User.id.in_(holders), User.id != actor.id).order_by(User.id)).scalars())


def escalate_incident(incident: Incident, actor: User) -> Incident:
    """Escalate an open incident to a manager; 409 when it is resolved, escalated already or nobody manages."""
    check(actor, RECORD)
    if not incident.is_open:
        raise Conflict(_("the incident is resolved: there is nothing to escalate"), field="status")
    if incident.escalations:
        raise Conflict(_("the incident is escalated already"), field="status")
    managers = managers_for(actor)
    if not managers:
        raise Conflict(_("nobody can take the incident: give %(name)s a superior, or a user the permission to "
                         "handle escalations", name=actor.name), field="escalated_to")
    incident.escalated_at, incident.escalated_by_id = utcnow(), actor.id
    incident.escalations = [IncidentEscalation(user_id=user.id) for user in managers]
    flush()
    audit.record(company_id=incident.company_id, order_id=incident.order_id, entity="incident",
                 entity_id=incident.id, action="incident_escalated", actor=actor,
                 after={"escalated_to": [user.name for user in managers]})
    return incident


def may_resolve(user: User, incident: Incident) -> bool:
    return (user.id == incident.recorded_by_id or user.id in incident.escalated_to or user.can(ESCALATIONS)
            or user.can("logistics.plan"))


def resolve_incident(incident: Incident, actor: User, resolution: str | None) -> Incident:
    """Record how the incident was resolved; its delay no longer counts. Resolving twice is a 409."""
    check(actor, RECORD)
    if not may_resolve(actor, incident):
        raise PermissionDenied(_("only who recorded the incident, a manager it went to or a planner resolves it"),
                               permissions=(ESCALATIONS,))
    text = _text(resolution, "resolution", _("say how the incident was resolved"))
    if not incident.is_open:
        raise Conflict(_("the incident is resolved already"), field="status")
    incident.status, incident.resolved_at, incident.resolved_by_id = IncidentStatus.RESOLVED, utcnow(), actor.id
    incident.resolution = text
    flush()
    audit.record(company_id=incident.company_id, order_id=incident.order_id, entity="incident",
                 entity_id=incident.id, action="incident_resolved", actor=actor, after={"resolution": text})
    return incident


def _escalated_to(user: User) -> Select[Any]:
    return (select(Incident.id).join(IncidentEscalation, IncidentEscalation.incident_id == Incident.id)
            .join(Order, Order.id == Incident.order_id)
            .where(IncidentEscalation.user_id == user.id, Incident.company_id == user.company_id,
                   Incident.status == IncidentStatus.OPEN))


def escalated_to_me(user: User, limit: int | None = None) -> list[tuple[int, int, str | None, IncidentKind]]:
    """The open incidents escalated to ``user``: (incident id, order id, order number, kind), oldest first, at
    most ``limit``, in one query."""
    rows = db.session.execute(_escalated_to(user).with_only_columns(
        Incident.id, Incident.order_id, Order.number, Incident.kind)
        .order_by(Incident.recorded_at, Incident.id).limit(limit)).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def count_escalated_to_me(user: User) -> int:
    """How many incidents ``escalated_to_me`` lists, in one query."""
    return db.session.execute(_escalated_to(user).with_only_columns(func.count())).scalar_one()
