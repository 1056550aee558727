"""Hook implementations of the stock plugin: it listens to the order's events and answers extension hooks.

Stock owns no stage. Approval reserves, a change or a cancellation releases,
a dispatch issues, a return takes back; entry, review and execution ask it
what is available through hooks they call without knowing who answers. A
company with stock switched off never reaches any of this, and an order
approved while it was off is not pinned to it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.contracts import (
    MENU_ORDERS, Decision, Delivery, Finding, GoodsDispatched, GoodsReturned, LineLots, MenuItem, OrderChange, Outcome,
    Permission, StockAvailability, StockLine,
)
from core.extensions import db
from core.hookspecs import hookimpl
from core.models import Company, Order, OrderLine, OrderStatus, User
from plugins.stock import lots, reservations, rules
from plugins.stock.labels import LABELS
from plugins.stock.services import MOVE, VIEW, available_by_product
from plugins.stock.warehouses import WAREHOUSE

HOLDING = (OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED)

# -- order events ----------------------------------------------------------------


# First, so that what logistics plans on approval (and re-plans on a change) sees the reservation.
@hookimpl(tryfirst=True)
def review_decided(order: Order, decision: Decision) -> None:
    if decision.outcome == Outcome.APPROVED:
        reservations.reserve(order, None)


@hookimpl
def order_cancelled(order: Order, reason: str) -> None:
    reservations.release(order, None)


@hookimpl(tryfirst=True)
def order_changed(order: Order, change: OrderChange) -> None:
    if order.status in HOLDING:
        reservations.follow_change(order, None)


@hookimpl
def goods_dispatched(order: Order, dispatch: GoodsDispatched) -> None:
    reservations.issue(order, [(line.order_line_id, line.quantity) for line in dispatch.lines], None,
                       dispatch.shipment_number)


@hookimpl
def delivered(order: Order, delivery: Delivery) -> None:
    # Signed for without a shipment (the core's "mark delivered", logistics not pinned): what was reserved left.
    if delivery.shipment_id is None:
        reservations.issue(order, [(line.id, line.quantity) for line in order.lines], None, order.display_number)


@hookimpl
def goods_returned(order: Order, returned: GoodsReturned) -> None:
    line = db.session.get(OrderLine, returned.order_line_id)
    if line is not None and line.order_id == order.id:
        reservations.take_back(order, line, returned.quantity, sound=returned.sound, actor=None,
                               reference=returned.case_number)


# -- answers to the stages ----------------------------------------------------------


@hookimpl
def stock_available(company: Company, product_ids: list[int]) -> StockAvailability:
    return StockAvailability(available_by_product(company.id, product_ids))


@hookimpl
def review_rules(order: Order, change: OrderChange | None) -> list[Finding]:
    return rules.availability(order) if change is None else []


@hookimpl
def line_stock(order: Order) -> list[StockLine]:
    return reservations.line_stock(order)


@hookimpl
def line_lots(order: Order, shipment_number: str) -> list[LineLots]:
    return lots.line_lots(order, shipment_number)


# -- access, navigation, labels -------------------------------------------------------


@hookimpl
def ordo_permissions() -> list[Permission]:
    return [
        Permission(VIEW, _l("See stock"), ("administrator", "manager", "supervisor", "sales", "production",
                                           "logistics", "customer_service")),
        Permission(MOVE, _l("Receive and adjust stock"), ("administrator", "logistics")),
        Permission(WAREHOUSE, _l("Create and rename warehouses"), ("administrator", "logistics")),
    ]


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Stock"), "stock.stock", VIEW, order=450, group=MENU_ORDERS)]


@hookimpl
def ordo_labels() -> dict:
    return {namespace: dict(codes) for namespace, codes in LABELS.items()}
