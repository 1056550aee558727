"""The inspection plugin's hook implementations: thin calls into its services."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from core.contracts import CustomerView, DocumentKind, MenuItem, Panel, Permission, RoleSpec, Task, TaskCount
from core.hookspecs import hookimpl
from core.models import Order, User
from core.portal import order_url
from tests.core.samples.inspection import services

INSPECTOR = RoleSpec("inspector", "Quality inspector")
RECORD = Permission(services.PERMISSION, "Record goods inspections", ("production", "inspector"))


@hookimpl
def ordo_permissions() -> list[Permission]:
    return [RECORD]


@hookimpl
def ordo_roles() -> list[RoleSpec]:
    return [INSPECTOR]


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    return [MenuItem("Inspections", "inspection.inspections", services.PERMISSION, order=350)]


@hookimpl
def inbox_count(user: User, now: datetime) -> list[TaskCount]:
    if not user.can(services.PERMISSION):
        return []
    total, late = services.count_awaiting(user, now)
    return [TaskCount("inspection", "Goods to inspect", total, late, url=url_for("inspection.inspections"))]


@hookimpl
def inbox_tasks(user: User, limit: int | None) -> list[Task]:
    if not user.can(services.PERMISSION):
        return []
    return [Task(title=f"Inspect the goods of order {order.display_number}", url=order_url(order.id),
                 kind="inspection", due_at=services.due_at(order), order_number=order.number)
            for order in services.awaiting_inspection(user, limit)]


@hookimpl
def order_panels(order: Order, user: User) -> list[Panel]:
    if not user.can(services.PERMISSION):
        return []
    return [Panel("Inspection", "inspection/order_panel.html", {"inspection": services.inspection_of(order)},
                  order=450)]


@hookimpl
def document_kinds() -> list[DocumentKind]:
    return [DocumentKind("certificate", "Certificate of conformity", "inspection_certificate.html",
                         services.PERMISSION, context=services.certificate_context,
                         available=services.is_inspected)]


@hookimpl
def ordo_labels() -> dict[str, dict[str, str]]:
    return {"audit.action": {services.ACTION: "Goods inspected"}}


@hookimpl
def customer_timeline_actions() -> dict[str, CustomerView]:
    # The customer learns the result of the inspection, not who inspected.
    return {services.ACTION: CustomerView(frozenset({"result"}))}
