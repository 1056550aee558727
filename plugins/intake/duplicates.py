"""Possible duplicates: the same order entered twice, by two clerks or from two channels.

An order is a possible duplicate of another of the company's live orders when
both carry the same source reference, or when they are for the same customer
with the same lines and were received within the company's window. Two orders
whose source references differ are distinct by the channel's own word (two
platform orders with the same content). A clerk confirms a duplicate as
distinct (recorded) or discards it.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from core import audit
from core.api import API_PREFIX
from core.errors import Conflict
from core.extensions import db
from core.models import AuditEntry, Order, OrderStatus, User
from plugins.intake import fingerprints
from plugins.intake.models import IntakeFingerprint
from plugins.intake.settings import settings_for

CONFIRMED = "duplicate_confirmed"


def find_duplicates(order: Order) -> list[Order]:
    """The company's live orders this one may repeat, oldest first (the order itself may be unsaved).

    One query, whatever the customer's history: same-content orders are found by their lines' fingerprint,
    so only the orders that match are loaded.
    """
    window = timedelta(days=settings_for(order.company_id).duplicate_window_days)
    with db.session.no_autoflush:  # an order being entered is not saved by looking for its twins
        same_lines = select(IntakeFingerprint.order_id).where(
            IntakeFingerprint.fingerprint == fingerprints.of_order(order))
        same_content = and_(Order.customer_id == order.customer_id,
                            Order.received_at.between(order.received_at - window, order.received_at + window),
                            Order.id.in_(same_lines))
        if order.source_reference:
            same_content = and_(same_content, or_(Order.source_reference.is_(None),
                                                  Order.source_reference == order.source_reference))
            wanted = or_(Order.source_reference == order.source_reference, same_content)
        else:
            wanted = same_content
        query = select(Order).where(Order.company_id == order.company_id, Order.status != OrderStatus.CANCELLED,
                                    wanted).order_by(Order.received_at, Order.id)
        if order.id is not None:
            query = query.where(Order.id != order.id)
        return list(db.session.execute(query).scalars())


def confirmed_distinct(order: Order, others: list[Order] | None = None) -> set[int]:
    """The orders a clerk confirmed this one distinct from, either way round (among ``others`` when given)."""
    ids = [order.id, *(other.id for other in others or ())]
    entries = db.session.execute(select(AuditEntry.order_id, AuditEntry.after).where(
        AuditEntry.order_id.in_(ids), AuditEntry.action == CONFIRMED)).all()
    found = set()
    for order_id, after in entries:
        told_apart = set((after or {}).get("distinct_from", []))
        if order_id == order.id:
            found |= told_apart
        elif order.id in told_apart:
            found.add(order_id)
    return found


def unconfirmed(order: Order) -> list[Order]:
    """Possible duplicates nobody has confirmed the order distinct from."""
    others = find_duplicates(order)
    confirmed = confirmed_distinct(order, others) if order.id is not None and others else set()
    return [other for other in others if other.id not in confirmed]


def confirm_distinct(order: Order, others: list[Order], actor: User) -> None:
    """Record that the clerk checked the order is not one of ``others`` entered again."""
    if others:
        audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                     action=CONFIRMED, actor=actor, after={"distinct_from": [other.id for other in others],
                                                           "numbers": [other.display_number for other in others]})


class DuplicateSuspected(Conflict):
    """The order may be one already entered; confirm it distinct or discard it. Names the others."""

    def __init__(self, order: Order, others: list[Order]) -> None:
        reference = order.source_reference
        numbers = ", ".join(other.display_number for other in others)
        if reference and any(other.source_reference == reference for other in others):
            message = _("order %(numbers)s has the same source reference %(reference)s; this may be the same "
                        "order twice: confirm it is distinct or discard it", numbers=numbers, reference=reference)
        else:
            message = _("order %(numbers)s is for the same customer with the same lines, received within the "
                        "duplicate window; this may be the same order twice: confirm it is distinct or discard it",
                        numbers=numbers)
        super().__init__(message, field="confirm_duplicate", extra={"duplicates": [
            {"id": other.id, "number": other.number, "status": other.status.value,
             "href": f"{API_PREFIX}/orders/{other.id}"} for other in others]})
        self.others = others
