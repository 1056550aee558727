"""Hook implementations of the logistics plugin: permissions, menu, inbox, order panels, delivery note,
and the execution plan's listeners (drafted on approval, re-planned on a change, cancelled with the order)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import audit
from core.contracts import (
    MENU_SETTINGS, Credit, CustomerView, Decision, DocumentKind, DocumentSource, Job, MenuItem, OrderAction,
    OrderChange, Outcome, Panel, Permission, Task, TaskCount,
)
from core.extensions import db
from core.hookspecs import hookimpl
from core.jobs import per_company
from core.models import Company, Order, OrderStatus, User
from core.portal import list_url, order_url, panel_url
from plugins.logistics.shipments import documents as shipment_documents
from plugins.logistics.shipments import services
from plugins.logistics.execution import panels as execution_panels
from plugins.logistics.execution import services as execution
from plugins.logistics.execution.labels import LABELS as EXECUTION_LABELS
from plugins.logistics.incidents import sweep as risk_sweep
from plugins.logistics.incidents import views as incident_views
from plugins.logistics.incidents.labels import LABELS as INCIDENT_LABELS
from plugins.logistics.cases.labels import LABELS as CASE_LABELS
from plugins.logistics.shipments.forms import AcceptanceForm
from plugins.logistics.cases import sweep as case_sweep
from plugins.logistics.cases import views as case_views
from plugins.logistics.shipments.labels import LABELS as SHIPMENT_LABELS
from plugins.logistics.shipments.models import Shipment, ShipmentStatus

PANEL = "logistics/order_panel.html"
MENU_LOGISTICS = _l("Logistics")
UNDATED = datetime.max.replace(tzinfo=timezone.utc)  # after every task with a due time
STAFF_AT_WORK = ("administrator", "sales", "finance", "production", "logistics", "customer_service", "manager")

PERMISSIONS = (
    Permission("logistics.view", _l("See shipments"),
               ("administrator", "logistics", "customer_service", "sales", "manager", "supervisor", "production")),
    Permission("logistics.ship", _l("Prepare and dispatch shipments"), ("administrator", "logistics")),
    Permission("logistics.accept", _l("Record the customer's sign-off"),
               ("administrator", "logistics", "customer_service", "customer")),
    Permission("logistics.plan", _l("Plan execution: adjust and confirm plans, work any task"),
               ("administrator", "production", "manager")),
    Permission("logistics.task", _l("Work on execution tasks given to me"), STAFF_AT_WORK),
    Permission("logistics.templates", _l("Edit execution templates"), ("administrator",)),
    Permission("logistics.settings", _l("Change how the company ships: carriers, partial delivery, the check"),
               ("administrator",)),
    # Incidents and at-risk warnings.
    Permission("logistics.incidents", _l("Record incidents on orders and tasks"), STAFF_AT_WORK),
    Permission("logistics.escalations", _l("Take escalated incidents"), ("administrator", "manager")),
    Permission("logistics.notify", _l("Confirm new expected dates to customers"),
               ("administrator", "sales", "customer_service", "manager")),
    # Problem cases on deliveries.
    Permission("logistics.cases", _l("See and report problem cases"),
               ("administrator", "logistics", "customer_service", "sales", "manager", "production", "customer")),
    Permission("logistics.cases.resolve", _l("Resolve problem cases of my department"),
               ("administrator", "logistics", "customer_service", "production", "manager")),
    Permission("logistics.credit", _l("Approve credits to customers on problem cases"),
               ("administrator", "manager", "finance")),
)


@hookimpl
def ordo_permissions() -> list[Permission]:
    return list(PERMISSIONS)


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    # One drop-down for the plugin's work lists, so the navigation stays one line wide.
    return [
        MenuItem(_l("My tasks"), "logistics_execution.my_tasks", "logistics.task", order=290, group=MENU_LOGISTICS),
        MenuItem(_l("Shipments"), "logistics.shipments", "logistics.view", order=300, group=MENU_LOGISTICS),
        MenuItem(_l("Execution templates"), "logistics_execution.templates", "logistics.templates", order=940,
                 group=MENU_SETTINGS),
        MenuItem(_l("Logistics settings"), "logistics_settings.settings", "logistics.settings", order=945,
                 group=MENU_SETTINGS),
    ]


# -- the execution plan ---------------------------------------------------------


@hookimpl
def review_decided(order: Order, decision: Decision) -> None:
    """An approved order gets its execution plan, drafted from the templates of its lines."""
    if decision.outcome == Outcome.APPROVED:
        execution.draft_plan(order)


@hookimpl
def order_changed(order: Order, change: OrderChange) -> None:
    execution.replan(order, change)


@hookimpl
def order_cancelled(order: Order, reason: str) -> None:
    execution.cancel_plan(order)


@hookimpl
def inbox_count(user: User, now: datetime) -> list[TaskCount]:
    ship, accept = user.can("logistics.ship"), user.can("logistics.accept")
    execution_counts = (execution_panels.inbox_counts(user, now) + incident_views.inbox_counts(user)
                        + case_views.inbox_counts(user, now))
    if not (ship or accept):
        return execution_counts
    counted = services.count_work(user, now, _zone(user), ship=ship, accept=accept)
    # A customer's user records their own sign-offs without the shipments list: no link for them.
    counts = [TaskCount("logistics.accept", _("Sign-offs to record"), counted.awaiting_acceptance,
                        url=list_url(user, "logistics.view", "logistics.shipments"))] if accept else []
    if ship:
        counts[:0] = [
            TaskCount("logistics.ship", _("Orders to ship"), *counted.to_ship,
                      url=list_url(user, "order.view", "orders.index", status=OrderStatus.APPROVED.value)),
            TaskCount("logistics.dispatch", _("Shipments to dispatch"), *counted.to_dispatch,
                      url=list_url(user, "logistics.view", "logistics.shipments",
                                   status=ShipmentStatus.PREPARED.value)),
        ]
    return counts + execution_counts


@hookimpl
def inbox_tasks(user: User, limit: int | None) -> list[Task]:
    zone = _zone(user)
    tasks: list[Task] = []
    if user.can("logistics.ship"):
        tasks += [
            Task(title=_("Ship order %(number)s", number=order.display_number), url=_order_url(order.id),
                 kind="logistics.ship", due_at=_due(order, zone), order_number=order.number)
            for order in services.orders_to_ship(user, limit)
        ]
        tasks += [
            Task(title=_("Dispatch shipment %(number)s", number=shipment.number),
                 url=_order_url(shipment.order_id), kind="logistics.dispatch", due_at=_due(shipment.order, zone),
                 order_number=shipment.order.number)
            for shipment in services.shipments_to_dispatch(user, limit)
        ]
    if user.can("logistics.accept"):
        tasks += [
            Task(title=_("Record the sign-off of shipment %(number)s", number=shipment.number),
                 url=_order_url(shipment.order_id), kind="logistics.accept", order_number=shipment.order.number)
            for shipment in services.shipments_awaiting_acceptance(user, limit)
        ]
    tasks += execution_panels.inbox(user, limit) + incident_views.inbox(user, limit) + case_views.inbox(user, limit)
    # Each list is due-first already; merged due first (a stable sort: on a tie, the order above stays).
    tasks.sort(key=lambda task: task.due_at or UNDATED)
    return tasks[:limit]


@hookimpl
def order_actions(order: Order, user: User) -> list[OrderAction]:
    """The plan's next step for this user (confirm it, work a task) and the shipment's; their forms are in
    the plan's page and the shipments panel."""
    actions = execution_panels.plan_actions(order, user)
    current = services.open_shipment(order)
    if user.can("logistics.ship"):
        if order.status in services.SHIPPABLE and current is None and not services.blocking_gates(order):
            return [*actions, OrderAction(_("Prepare shipment"), url_for("logistics.new_shipment", order_id=order.id),
                                          primary=True, priority=20)]
        if current is not None and current.status == ShipmentStatus.PREPARED:
            return [*actions, OrderAction(_("Check and dispatch %(number)s", number=current.number),
                                          _shipment_url(current, "check"), primary=True, priority=20)]
    if user.can("logistics.accept") and current is not None and current.awaits_acceptance:
        return [*actions, OrderAction(_("Accept the goods of %(number)s", number=current.number),
                                      _shipment_url(current, "acceptance"), primary=True, priority=30)]
    return actions


@hookimpl
def order_panels(order: Order, user: User) -> list[Panel]:
    panels = execution_panels.plan_panels(order, user) + incident_views.panels(order, user)
    if not (user.can("logistics.view") or user.can("logistics.accept")):
        return panels
    shipments = services.shipments_of(order)
    current = next((s for s in shipments if s.is_open), None)
    may_ship = user.can("logistics.ship")
    remaining = services.remaining_lines(order)
    can_create = (may_ship and order.status in services.PARTLY_SHIPPABLE
                  and any(line["remaining"] for line in remaining))
    if not shipments and not can_create:
        return panels
    # Unbound forms (formdata=None): the order page may be shown after another form's POST. Preparing,
    # checking, dispatching and judging line by line have their own pages (shipments.views).
    can_dispatch = may_ship and current is not None and current.status == ShipmentStatus.PREPARED
    can_accept = user.can("logistics.accept") and current is not None and current.awaits_acceptance
    context: dict[str, Any] = {
        "order": order,
        "shipments": shipments,
        "current": current,
        "remaining": remaining,
        "blocked": services.blocking_gates(order) if can_create else [],
        "may_prepare": can_create,
        "may_dispatch": can_dispatch,
        "may_accept": can_accept,
        "acceptance_form": AcceptanceForm(formdata=None) if can_accept else None,
    }
    return [*panels, Panel(_("Shipments"), PANEL, context, order=400), *case_views.panels(order, user)]


@hookimpl
def document_kinds() -> list[DocumentKind]:
    return shipment_documents.order_kinds()


def _shipment_url(shipment: Shipment, section: str) -> str:
    """The shipment's page, at the form of the next step (``check``, ``acceptance``)."""
    return url_for("logistics.shipment", shipment_id=shipment.id, _anchor=section)


def _order_url(order_id: int) -> str:
    return order_url(order_id)


def _zone(user: User) -> ZoneInfo:
    return db.session.get_one(Company, user.company_id).zone


def _due(order: Order, zone: ZoneInfo) -> datetime | None:
    """Goods should leave by the start of the promised (or else requested) delivery day."""
    day: date | None = order.promised_date or order.requested_date
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=zone)


@hookimpl
def ordo_labels() -> Mapping[str, Mapping[str, object]]:
    parts = (SHIPMENT_LABELS, EXECUTION_LABELS, INCIDENT_LABELS, CASE_LABELS)
    return {namespace: {key: value for part in parts for key, value in part.get(namespace, {}).items()}
            for namespace in {name for part in parts for name in part}}


SHIPMENT_FACTS = frozenset({"number", "status", "delivery_method", "carrier", "tracking_number", "vehicle",
                            "driver_name", "driver_phone", "waybill_number", "pickup_code", "collected_by", "lines"})


@hookimpl
def customer_timeline_actions() -> dict[str, CustomerView]:
    # Every step of a shipment is the customer's news: goods ready, on their way (carrier and
    # tracking number), signed for (by whom, with what reservations and rating).
    return {
        "shipment_created": CustomerView(SHIPMENT_FACTS),
        "shipment_dispatched": CustomerView(SHIPMENT_FACTS),
        "shipment_accepted": CustomerView(SHIPMENT_FACTS | {"signed_by", "reservations", "rating"}),
        # The new date the customer was told (incidents and the at-risk flag are internal).
        "customer_notified_of_delay": CustomerView(frozenset({"promised_date", "expected_date"})),
    }


# -- problem cases ------------------------------------------------------------------


@hookimpl
def credit_granted(order: Order, credit: Credit) -> None:
    """The order's history notes the credit granted on a case (billing, where it keeps credit notes,
    answers the same hook with one; the bundled billing has no credit note yet)."""
    audit.record(company_id=order.company_id, order_id=order.id, entity="order", entity_id=order.id,
                 action="credit_granted", actor=None, after={
                     "amount": str(credit.amount), "case_number": credit.case_number,
                     "order_line_id": credit.order_line_id, "reason": credit.reason})


# -- incidents and at-risk warnings ------------------------------------------------


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("logistics.risk_sweep", timedelta(minutes=15), per_company("logistics", risk_sweep.sweep),
                description="Flag execution plans that can no longer make their promised date; notify customers"),
            Job("logistics.case_sweep", timedelta(minutes=15), per_company("logistics", case_sweep.sweep),
                description="Escalate late problem cases up the chain of superiors, once per case and level")]
