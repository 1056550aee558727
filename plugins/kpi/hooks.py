"""Hook implementations of the kpi plugin: every stage event becomes a fact.

The listeners only add a row to the transaction of the action they measure:
no I/O, and a company with kpi switched off never reaches them.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from core.contracts import (
    Decision, Delivery, Job, MenuItem, OrderChange, Payment, PaymentReversal, Permission, ReviewOverdue, Settlement,
)
from core.hookspecs import hookimpl
from core.jobs import per_company
from core.roles import STAFF
from core.models import Order, User
from plugins.kpi import services
from plugins.kpi.analytics.labels import LABELS as ANALYTICS_LABELS
from plugins.kpi.models import KpiEventKind
from plugins.kpi.supervision import monthly
from plugins.kpi.supervision.labels import LABELS as SUPERVISION_LABELS
from plugins.kpi.supervision.violations import HANDLE, may_handle

# -- stage events ------------------------------------------------------------


@hookimpl
def order_submitted(order: Order) -> None:
    services.record(order, KpiEventKind.SUBMITTED)


@hookimpl
def review_decided(order: Order, decision: Decision) -> None:
    services.record_decision(order, decision)


@hookimpl
def review_overdue(order: Order, overdue: ReviewOverdue) -> None:
    # Once per escalation level and per delay notice: the sweep fires it once for each.
    services.record(order, KpiEventKind.REVIEW_OVERDUE)


@hookimpl
def production_started(order: Order) -> None:
    services.record(order, KpiEventKind.PRODUCTION_STARTED)


@hookimpl
def shipped(order: Order) -> None:
    services.record(order, KpiEventKind.SHIPPED)


@hookimpl
def delivered(order: Order, delivery: Delivery) -> None:
    services.record(order, KpiEventKind.DELIVERED, at=delivery.signed_at)


@hookimpl
def paid(order: Order, payment: Payment) -> None:
    services.record(order, KpiEventKind.PAID, payment.amount, at=payment.received_at)


@hookimpl
def payment_reversed(order: Order, reversal: PaymentReversal) -> None:
    # What the payment had paid, taken back from what was collected when it was reversed.
    services.record(order, KpiEventKind.PAYMENT_REVERSED, reversal.amount, at=reversal.reversed_at)


@hookimpl
def order_settled(order: Order, settlement: Settlement) -> None:
    # A credit settled it: nothing collected, the order's total as for every other fact.
    services.record(order, KpiEventKind.SETTLED, at=settlement.settled_at)


@hookimpl
def order_completed(order: Order) -> None:
    services.record(order, KpiEventKind.COMPLETED)


@hookimpl
def change_requested(order: Order, change: OrderChange) -> None:
    # The order's total as it stands: the change's new total is counted when it applies.
    services.record(order, KpiEventKind.CHANGE_REQUESTED)


@hookimpl
def order_changed(order: Order, change: OrderChange) -> None:
    services.record(order, KpiEventKind.CHANGED)


@hookimpl
def order_cancelled(order: Order, reason: str) -> None:
    services.record(order, KpiEventKind.CANCELLED)


# -- access and navigation ---------------------------------------------------


@hookimpl
def ordo_permissions() -> list[Permission]:
    return [Permission("kpi.view", _l("See KPIs"), ("administrator", "manager", "supervisor")),
            # Section 九: finance, sales and operations analyse the orders (amounts only with prices).
            Permission("kpi.analytics", _l("See the analytics of orders by region, customer segment and month"),
                       ("administrator", "sales", "finance", "production", "logistics", "manager", "supervisor")),
            # Section 十: the supervision group's pages, and the channel every staff member reports through.
            Permission("kpi.supervise", _l("Supervise: audit browser, escalations, changes and stuck orders"),
                       ("supervisor",)),
            Permission("kpi.violations.report", _l("Report a suspected violation to the supervisors"), STAFF),
            Permission(HANDLE,
                       _l("Read violation reports and who made them, follow them up and record the outcome "
                          "(never for whoever manages users or roles)"), ("supervisor",))]


# KPIs, analytics, supervision and the violation channel share one drop-down.
MENU_KPI = _l("KPIs")


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("KPIs"), "kpi.dashboard", "kpi.view", order=800, group=MENU_KPI),
            MenuItem(_l("Analytics"), "kpi_analytics.regions", "kpi.analytics", order=810, group=MENU_KPI),
            MenuItem(_l("Supervision"), "kpi_supervision.audit", "kpi.supervise", order=820, group=MENU_KPI),
            *([MenuItem(_l("Violation reports"), "kpi_supervision.reports", HANDLE, order=830, group=MENU_KPI)]
              if may_handle(user) else []),
            MenuItem(_l("Report a violation"), "kpi_supervision.report", "kpi.violations.report", order=840,
                     group=MENU_KPI)]


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("kpi.monthly_report", timedelta(hours=6), per_company("kpi", monthly.run),
                description="Make each ended month's supervision report once, in both languages, and tell the "
                            "supervisors")]


@hookimpl
def ordo_labels() -> Mapping[str, Mapping[str, object]]:
    parts = (ANALYTICS_LABELS, SUPERVISION_LABELS)
    return {namespace: {key: value for part in parts for key, value in part.get(namespace, {}).items()}
            for namespace in {name for part in parts for name in part}}
