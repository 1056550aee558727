"""The core's always-on contributions: permissions, roles, menu, labels, customer view, inbox, cancelling."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import lazyload

from core.contracts import (
    MENU_MASTER_DATA, MENU_ORDERS, MENU_SETTINGS, CustomerView, MenuItem, OrderAction, Permission, RoleSpec, Stage,
    Task, TaskCount,
)
from core.extensions import db
from core.hookspecs import hookimpl
from core.labels import AUDIT_ACTION, CORE_LABELS, NOTE
from core.models import Order, OrderStatus, User
from core.modules import pinned
from core.orders.events import SYSTEM_NOTES, OrderEvent, allowed_events, customer_views, event_labels
from core.portal import list_url, order_url
from core.roles import BUILTIN_ROLES, CORE_PERMISSIONS

AWAITING_DELIVERY = (OrderStatus.APPROVED, OrderStatus.SHIPPED)
# Audit actions of the core's own that are not order events.
CORE_AUDIT_ACTIONS = {"outbox_sent_again": _l("Email sent again"), "calendar_saved": _l("Working calendar saved")}


@hookimpl
def ordo_permissions() -> list[Permission]:
    return list(CORE_PERMISSIONS)


@hookimpl
def ordo_roles() -> list[RoleSpec]:
    return list(BUILTIN_ROLES)


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    return [
        MenuItem(_l("Inbox"), "portal.inbox", None, order=0),
        MenuItem(_l("Orders"), "orders.index", "order.view", order=10, group=MENU_ORDERS),
        MenuItem(_l("Customers"), "masterdata.customers", "customer.view", order=800, group=MENU_MASTER_DATA),
        MenuItem(_l("Products"), "masterdata.products", "product.view", order=810, group=MENU_MASTER_DATA),
        MenuItem(_l("Users"), "admin.users", "admin.users", order=900, group=MENU_SETTINGS),
        MenuItem(_l("Roles"), "admin.roles", "admin.roles", order=910, group=MENU_SETTINGS),
        MenuItem(_l("Modules"), "admin.modules", "admin.modules", order=920, group=MENU_SETTINGS),
        MenuItem(_l("Company profile"), "admin.company", "admin.company", order=925, group=MENU_SETTINGS),
        MenuItem(_l("Outgoing mail"), "outbox.index", "admin.outbox", order=930, group=MENU_SETTINGS),
    ]


@hookimpl
def ordo_labels() -> dict[str, Mapping[str, object]]:
    return {**CORE_LABELS, AUDIT_ACTION: {**event_labels(), **CORE_AUDIT_ACTIONS}, NOTE: SYSTEM_NOTES}


@hookimpl
def customer_timeline_actions() -> dict[str, CustomerView]:
    return customer_views()


@hookimpl
def order_actions(order: Order, user: User) -> list[OrderAction]:
    """Cancelling, never the main action: it leads to a page that asks for a reason and a confirmation."""
    if OrderEvent.CANCEL not in allowed_events(order) or not user.can("order.cancel"):
        return []
    return [OrderAction(str(_l("Cancel the order")), url_for("orders.cancel", order_id=order.id),
                        priority=900, destructive=True)]


def _to_mark_delivered(user: User) -> Select[Order]:
    """Orders pinned without logistics, approved (or shipped by hand), waiting to be marked delivered."""
    return select(Order).where(Order.company_id == user.company_id, Order.status.in_(AWAITING_DELIVERY),
                               ~pinned(Stage.LOGISTICS))


@hookimpl
def inbox_count(user: User, now: datetime) -> list[TaskCount]:
    """Marking delivered has no deadline: none is late."""
    if not user.can("order.mark_delivered"):
        return []
    total = db.session.execute(_to_mark_delivered(user).with_only_columns(func.count())).scalar_one()
    return [TaskCount("mark_delivered", str(_l("Orders to mark delivered")), total,
                      url=list_url(user, "order.view", "orders.index", status=OrderStatus.APPROVED.value))]


@hookimpl
def inbox_tasks(user: User, limit: int | None) -> list[Task]:
    """Orders pinned without logistics wait for someone to mark them delivered, the oldest first."""
    if not user.can("order.mark_delivered"):
        return []
    # Each status's oldest from (company, status), then merged: walking the company's every order by id to
    # find the few pinned without logistics was 0.1 s at 100,000 orders.
    oldest = [select(Order.id).where(Order.company_id == user.company_id, Order.status == status,
                                     ~pinned(Stage.LOGISTICS)).order_by(Order.id).limit(limit).subquery()
              for status in AWAITING_DELIVERY]
    ids = union_all(*(select(each.c.id) for each in oldest)).subquery()
    orders = db.session.execute(
        select(Order).where(Order.id.in_(select(ids.c.id).order_by(ids.c.id).limit(limit))).order_by(Order.id)
        .options(lazyload(Order.lines), lazyload(Order.module_rows))
    ).scalars()
    return [
        Task(
            title=str(_l("Mark delivered: %(number)s", number=order.display_number)),
            url=order_url(order.id),
            kind="mark_delivered",
            order_number=order.number,
        )
        for order in orders
    ]
