"""Order actions the core offers itself: cancel, and "mark delivered" when logistics is off."""
from __future__ import annotations

from flask_babel import gettext as _

from core.contracts import Delivery, Stage
from core.errors import Conflict, ValidationError
from core.models import Order, User, utcnow
from core.modules import order_has_stage
from core.orders import events


def mark_delivered(order: Order, *, actor: User, signed_by: str, reservations: str | None = None) -> Order:
    """Record the customer's sign-off for an order that has no logistics stage."""
    if order_has_stage(order, Stage.LOGISTICS):
        raise Conflict(_("order %(number)s is delivered through logistics, not marked by hand",
                         number=order.display_number))
    signed_by = (signed_by or "").strip()
    if not signed_by:
        raise ValidationError(_("say who signed for the goods"), field="signed_by")
    delivery = Delivery(signed_by=signed_by, signed_at=utcnow(), reservations=reservations or None)
    return events.deliver(order, delivery, actor=actor)


def cancel(order: Order, *, actor: User, reason: str) -> Order:
    """Cancel an order before delivery; the reason is required and kept as typed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("give a reason for cancelling"), field="reason")
    return events.cancel(order, reason, actor=actor)
