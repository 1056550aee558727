"""Inspections: which orders wait for one, recording one, and what the certificate prints."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from core import audit
from core.auth.context import check
from core.extensions import db
from core.models import AuditEntry, Order, OrderStatus, User

ACTION = "goods_inspected"
PERMISSION = "inspection.record"
HOURS = 24  # goods are inspected within a day of the order's submission


def inspection_of(order: Order) -> AuditEntry | None:
    return db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id, AuditEntry.action == ACTION)
    ).scalars().first()


def is_inspected(order: Order) -> bool:
    return inspection_of(order) is not None


def due_at(order: Order) -> datetime | None:
    return order.submitted_at + timedelta(hours=HOURS) if order.submitted_at else None


def _awaiting(user: User):
    inspected = select(AuditEntry.order_id).where(AuditEntry.company_id == user.company_id,
                                                  AuditEntry.action == ACTION)
    return select(Order).where(Order.company_id == user.company_id, Order.status == OrderStatus.APPROVED,
                               Order.id.not_in(inspected))


def awaiting_inspection(user: User, limit: int | None = None) -> list[Order]:
    """The company's approved orders whose goods nobody has inspected yet, oldest first."""
    return list(db.session.execute(_awaiting(user).order_by(Order.submitted_at, Order.id).limit(limit)).scalars())


def count_awaiting(user: User, now: datetime) -> tuple[int, int]:
    """How many orders wait for an inspection, and how many of them for more than a day: one query."""
    late = Order.submitted_at < now - timedelta(hours=HOURS)
    total, late_ones = db.session.execute(
        _awaiting(user).with_only_columns(func.count(), func.count(case((late, 1))))).one()
    return total, late_ones


def inspect(order: Order, actor: User, result: str) -> AuditEntry:
    check(actor, PERMISSION)
    return audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                        action=ACTION, actor=actor, after={"result": result})


def certificate_context(order: Order) -> dict[str, Any]:
    entry = inspection_of(order)
    return {"inspected_by": entry.actor_label if entry else None, "result": entry.after["result"] if entry else None}
