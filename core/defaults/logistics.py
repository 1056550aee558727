"""Logistics off: the order page offers the core's "mark delivered" form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.contracts import OrderAction, Panel
from core.defaults.essentials import AWAITING_DELIVERY
from core.hookspecs import hookimpl
from core.models import Order, User
from core.portal import panel_url

PANEL = "core/mark_delivered_panel.html"


@hookimpl(trylast=True)
def order_panels(order: Order, user: User) -> list[Panel]:
    if order.status not in AWAITING_DELIVERY or not user.can("order.mark_delivered"):
        return []
    return [Panel(str(_l("Delivery")), PANEL, {"order": order}, order=500)]


@hookimpl(trylast=True)
def order_actions(order: Order, user: User) -> list[OrderAction]:
    if order.status not in AWAITING_DELIVERY or not user.can("order.mark_delivered"):
        return []
    return [OrderAction(str(_l("Mark delivered")), panel_url(order.id, PANEL), primary=True, priority=50)]
