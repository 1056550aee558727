"""The core's own hook implementations, registered like any plugin.

``Essentials`` is always on: the core's permissions, roles, menu and inbox. The
stage fallbacks keep an order moving when its pinned modules lack a stage; the
plugin manager puts each in an order's hook calls exactly when that stage's
plugin is absent, so none of them checks anything itself. They run ``trylast``
so a plugin could still act first.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.contracts import Decision, MenuItem, Outcome, Panel, Permission, RoleSpec, Stage, Task
from core.hookspecs import hookimpl

STAFF = ("administrator", "sales", "finance", "production", "logistics", "customer_service", "manager", "supervisor")

BUILTIN_ROLES = (
    RoleSpec("administrator", _l("Administrator")),
    RoleSpec("sales", _l("Sales")),
    RoleSpec("finance", _l("Finance")),
    RoleSpec("production", _l("Production")),
    RoleSpec("logistics", _l("Logistics")),
    RoleSpec("customer_service", _l("Customer service")),
    RoleSpec("manager", _l("Manager")),
    RoleSpec("supervisor", _l("Supervisor")),
    RoleSpec("customer", _l("Customer")),
)

CORE_PERMISSIONS = (
    Permission("order.view", _l("See orders"), STAFF + ("customer",)),
    Permission(
        "order.view_prices",
        _l("See prices and amounts"),
        ("administrator", "sales", "finance", "customer_service", "manager", "supervisor", "customer"),
    ),
    Permission("order.cancel", _l("Cancel orders"), ("administrator", "sales", "manager")),
    Permission("order.mark_delivered", _l("Mark orders delivered (without logistics)"),
               ("administrator", "logistics", "customer_service")),
    Permission("customer.view", _l("See customers"), STAFF),
    Permission("customer.manage", _l("Create and edit customers"), ("administrator", "sales")),
    Permission("product.view", _l("See products"), STAFF),
    Permission("product.manage", _l("Create and edit products"), ("administrator",)),
    Permission("audit.view", _l("Read the audit log"), ("administrator", "manager", "supervisor")),
    Permission("account.tokens", _l("Create API tokens for oneself"),
               ("administrator", "sales", "finance", "logistics", "manager")),
    Permission("admin.users", _l("Manage users"), ("administrator",)),
    Permission("admin.roles", _l("Manage roles and permissions"), ("administrator",)),
    Permission("admin.modules", _l("Switch modules on and off"), ("administrator",)),
)

AWAITING_DELIVERY = ("approved", "shipped")

# The timeline's names for the events of core.orders.advance.
ORDER_EVENT_LABELS = {
    "submit": _l("Submitted"),
    "review_decided": _l("Review decided"),
    "ship": _l("Shipped"),
    "deliver": _l("Signed for"),
    "pay": _l("Payment received"),
    "complete": _l("Completed"),
    "cancel": _l("Cancelled"),
}


class Essentials:
    """The core's always-on contributions."""

    @hookimpl
    def ordo_permissions(self) -> list[Permission]:
        return list(CORE_PERMISSIONS)

    @hookimpl
    def ordo_roles(self) -> list[RoleSpec]:
        return list(BUILTIN_ROLES)

    @hookimpl
    def menu_items(self, user) -> list[MenuItem]:
        return [
            MenuItem(_l("Inbox"), "portal.inbox", None, order=0),
            MenuItem(_l("Customers"), "masterdata.customers", "customer.view", order=800),
            MenuItem(_l("Products"), "masterdata.products", "product.view", order=810),
            MenuItem(_l("Users"), "admin.users", "admin.users", order=900),
            MenuItem(_l("Roles"), "admin.roles", "admin.roles", order=910),
            MenuItem(_l("Modules"), "admin.modules", "admin.modules", order=920),
        ]

    @hookimpl
    def audit_action_labels(self) -> dict[str, object]:
        return dict(ORDER_EVENT_LABELS)

    @hookimpl
    def inbox_tasks(self, user) -> list[Task]:
        """Orders pinned without logistics wait for someone to mark them delivered."""
        if not user.can("order.mark_delivered"):
            return []
        from core.extensions import db
        from core.models import Order, OrderStatus
        from core.modules import order_has_stage
        from core.portal import order_url

        orders = db.session.execute(
            select(Order).where(
                Order.company_id == user.company_id,
                Order.status.in_([OrderStatus(s) for s in AWAITING_DELIVERY]),
            )
        ).scalars()
        return [
            Task(
                title=str(_l("Mark delivered: %(number)s", number=order.display_number)),
                url=order_url(order.id),
                kind="mark_delivered",
                order_number=order.number,
            )
            for order in orders
            if not order_has_stage(order, Stage.LOGISTICS)
        ]


class ReviewFallback:
    """Review off: the order is approved automatically when submitted."""

    @hookimpl(trylast=True)
    def order_submitted(self, order) -> None:
        from core.orders.state import advance

        decision = Decision(Outcome.APPROVED, reasons=("review not enabled",), automatic=True)
        advance(order, "review_decided", actor=None, decision=decision,
                note="approved automatically: the review module is not enabled")


class LogisticsFallback:
    """Logistics off: the order page offers the core's "mark delivered" form."""

    @hookimpl(trylast=True)
    def order_panels(self, order, user) -> list[Panel]:
        if order.status.value not in AWAITING_DELIVERY or not user.can("order.mark_delivered"):
            return []
        return [Panel(str(_l("Delivery")), "core/mark_delivered_panel.html", {"order": order}, order=500)]


class BillingFallback:
    """Billing off: the order completes when it is delivered."""

    @hookimpl(trylast=True)
    def delivered(self, order, delivery) -> None:
        from core.models import OrderStatus
        from core.orders.state import advance

        if order.status == OrderStatus.DELIVERED:
            advance(order, "complete", actor=None,
                    note="completed on delivery: the billing module is not enabled")


STAGE_FALLBACKS = {
    Stage.REVIEW: ReviewFallback,
    Stage.LOGISTICS: LogisticsFallback,
    Stage.BILLING: BillingFallback,
}
