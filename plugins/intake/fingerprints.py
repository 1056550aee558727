"""Order fingerprints: a hash of an order's lines, kept in intake's own table whenever the lines change.

Two orders have the same fingerprint exactly when they have the same lines: the same products in the same
quantities (as their column's scale prints them: 2 and 2.000 are the same line), whatever the line order.
The duplicate check (``plugins.intake.duplicates``) looks same-content orders up by it, so its cost does not
grow with the customer's history. The fingerprint follows every flush of an order's lines, by intake or by
any other plugin, through a session listener registered when this module is imported.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from core.models import Order, OrderLine
from plugins.intake.models import IntakeFingerprint


def of_lines(lines: Iterable[tuple[int, Decimal]]) -> str:
    """The fingerprint of (product id, quantity) pairs; the migration's backfill computes the same."""
    text = ";".join(sorted(f"{product_id}:{Decimal(quantity):.3f}" for product_id, quantity in lines))
    return hashlib.sha256(text.encode()).hexdigest()


def of_order(order: Order) -> str:
    """The fingerprint of the order's current lines (the order may be unsaved)."""
    return of_lines((line.product_id if line.product_id is not None else line.product.id, line.quantity)
                    for line in order.lines)


def _changed_orders(session: Session) -> set[Order]:
    orders: set[Order] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Order) and (obj in session.new or inspect(obj).attrs.lines.history.has_changes()):
            orders.add(obj)
        elif isinstance(obj, OrderLine) and obj.order is not None and (
                obj in session.new or any(inspect(obj).attrs[name].history.has_changes()
                                          for name in ("product_id", "quantity", "product"))):
            orders.add(obj.order)
    return orders


@event.listens_for(Session, "before_flush")
def _keep_fingerprints(session: Session, _context: Any, _instances: Any) -> None:
    with session.no_autoflush:  # loading a line's order or an order's lines here must not flush again
        for order in _changed_orders(session):
            if order in session.deleted:
                continue
            fingerprint = of_order(order)
            kept = session.get(IntakeFingerprint, order.id) if order.id is not None else None
            if kept is None:
                session.add(IntakeFingerprint(order=order, fingerprint=fingerprint))
            else:
                kept.fingerprint = fingerprint
