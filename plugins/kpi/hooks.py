"""Hook implementations of the kpi plugin: every stage event becomes facts.

The listeners only add rows to the transaction of the action they measure (a
delivery also counts the order's corrections so far in kpi's own table): no I/O,
and a company with kpi switched off never reaches them. Each fact is dated by the
event's moment (``events.event_moment``, its audit entry's ``at``) or the moment
its payload names, so ``ordo kpi rebuild`` finds the same facts in the audit log.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.contracts import (
    MENU_SETTINGS, CaseOpened, CaseResolved, Decision, Delivery, DunningLevelReached, InvoiceIssued, Job, MenuItem,
    OrderChange, Payment, PaymentPromised, PaymentReversal, Permission, PromiseSettled, ReviewOverdue, Settlement,
    TaskCompleted,
)
from core.extensions import db
from core.hookspecs import hookimpl
from core.jobs import per_company
from core.models import Company, Order, User
from core.orders.events import REVIEW_FACTS, event_moment
from core.roles import STAFF
from plugins.kpi.analytics.labels import LABELS as ANALYTICS_LABELS
from plugins.kpi.facts import collection, recording
from plugins.kpi.facts.models import KpiCase, KpiEvent, KpiEventKind
from plugins.kpi.facts.recording import OrderRef
from plugins.kpi.labels import DEPARTMENT_NAMESPACE, DEPARTMENTS, FLAGS
from plugins.kpi.supervision import monthly
from plugins.kpi.supervision.labels import LABELS as SUPERVISION_LABELS
from plugins.kpi.supervision.violations import HANDLE, may_handle

# -- stage events ------------------------------------------------------------


def _record(order: Order, kind: KpiEventKind) -> None:
    recording.add([recording.event_fact(OrderRef.of(order), kind, event_moment(), order.submitted_at)])


@hookimpl
def order_submitted(order: Order) -> None:
    # Only the first submission is intake's work: a resubmission after a send-back was decided before.
    recording.add(recording.submitted_facts(OrderRef.of(order), event_moment(), first=order.decided_at is None))


@hookimpl
def review_decided(order: Order, decision: Decision) -> None:
    recording.add(recording.decided_facts(OrderRef.of(order), REVIEW_FACTS[decision.outcome], event_moment(),
                                          order.submitted_at, decision.step_times))


@hookimpl
def review_overdue(order: Order, overdue: ReviewOverdue) -> None:
    # Once per escalation level and per delay notice: the sweep fires it once for each.
    _record(order, KpiEventKind.REVIEW_OVERDUE)


@hookimpl
def production_started(order: Order) -> None:
    _record(order, KpiEventKind.PRODUCTION_STARTED)


@hookimpl
def shipped(order: Order) -> None:
    _record(order, KpiEventKind.SHIPPED)


@hookimpl
def delivered(order: Order, delivery: Delivery) -> None:
    # The corrections and problem cases so far, both in one statement.
    corrections, cases = db.session.execute(select(
        select(func.count()).where(KpiEvent.order_id == order.id, KpiEvent.event == KpiEventKind.CHANGED)
        .scalar_subquery(),
        select(func.count()).where(KpiCase.order_id == order.id).scalar_subquery())).one()
    recording.add(recording.delivered_facts(
        OrderRef.of(order), at=event_moment(), signed_at=delivery.signed_at, submitted_at=order.submitted_at,
        decided_at=order.decided_at, total=order.total, zone=db.session.get_one(Company, order.company_id).zone,
        corrections=corrections, refused_lines=delivery.refused_lines, reserved_lines=delivery.reserved_lines,
        rating=delivery.rating, cases=cases))


@hookimpl
def paid(order: Order, payment: Payment) -> None:
    recording.add(recording.money_facts(OrderRef.of(order), KpiEventKind.PAID, payment.amount, payment.received_at,
                                        order.submitted_at))


@hookimpl
def payment_reversed(order: Order, reversal: PaymentReversal) -> None:
    # What the payment had paid, taken back from what was collected when it was reversed.
    recording.add(recording.money_facts(OrderRef.of(order), KpiEventKind.PAYMENT_REVERSED, reversal.amount,
                                        reversal.reversed_at, order.submitted_at))


@hookimpl
def order_settled(order: Order, settlement: Settlement) -> None:
    # A credit settled it: nothing collected.
    recording.add([recording.event_fact(OrderRef.of(order), KpiEventKind.SETTLED, settlement.settled_at,
                                        order.submitted_at)])


@hookimpl
def order_completed(order: Order) -> None:
    _record(order, KpiEventKind.COMPLETED)


@hookimpl
def change_requested(order: Order, change: OrderChange) -> None:
    _record(order, KpiEventKind.CHANGE_REQUESTED)


@hookimpl
def order_changed(order: Order, change: OrderChange) -> None:
    # A correction after submission: the order no longer counts as accurate once delivered.
    _record(order, KpiEventKind.CHANGED)


@hookimpl
def order_cancelled(order: Order, reason: str) -> None:
    _record(order, KpiEventKind.CANCELLED)


# -- stage work notified by logistics ------------------------------------------


@hookimpl
def execution_task_completed(order: Order, task: TaskCompleted) -> None:
    recording.add(recording.task_completed_facts(OrderRef.of(order), task))


@hookimpl
def problem_cases_opened(order: Order, cases: tuple[CaseOpened, ...]) -> None:
    ref = OrderRef.of(order)
    recording.add(row for case in cases for row in recording.case_opened_facts(ref, case))
    if order.delivered_at is not None:
        # Opened after the delivery counted the order's cases: they count on the delivered order now.
        recording.count_cases(order.id, len(cases))


@hookimpl
def problem_case_resolved(order: Order, case: CaseResolved) -> None:
    recording.add(recording.case_resolved_facts(OrderRef.of(order), case))


# -- notified by billing ------------------------------------------------------


@hookimpl
def invoice_issued(order: Order, invoice: InvoiceIssued) -> None:
    recording.add(recording.invoice_issued_facts(OrderRef.of(order), invoice))


# -- the customer's dunning and promises, notified by billing --------------------


@hookimpl
def dunning_level_reached(company: Company, notices: tuple[DunningLevelReached, ...]) -> None:
    # Counted for whoever entered each invoiced order: one query for the run's notices.
    collection.add(collection.dunning_facts(company.id, notices,
                                            collection.salespeople_of(notice.order_id for notice in notices)))


@hookimpl
def payment_promised(company: Company, promise: PaymentPromised) -> None:
    collection.add(collection.promised_facts(company.id, promise))


@hookimpl
def payment_promises_settled(company: Company, promises: tuple[PromiseSettled, ...]) -> None:
    collection.add(collection.settled_facts(company.id, promises))


# -- access and navigation ---------------------------------------------------

# KPIs, analytics, supervision and the violation channel share one drop-down.
MENU_KPI = _l("KPIs")


@hookimpl
def ordo_permissions() -> list[Permission]:
    return [Permission("kpi.view", _l("See KPIs"), ("administrator", "manager", "supervisor")),
            Permission("kpi.targets", _l("Set KPI targets"), ("administrator", "manager")),
            Permission("kpi.confirm", _l("Confirm scorecard rewards and penalties"), ("supervisor",)),
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


@hookimpl
def ordo_labels() -> Mapping[str, Mapping[str, object]]:
    parts: tuple[Mapping[str, Mapping[str, object]], ...] = (
        {DEPARTMENT_NAMESPACE: DEPARTMENTS, "kpi.flag": FLAGS}, ANALYTICS_LABELS, SUPERVISION_LABELS)
    return {namespace: {key: value for part in parts for key, value in part.get(namespace, {}).items()}
            for namespace in {name for part in parts for name in part}}


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Stage events"), "kpi.dashboard", "kpi.view", order=800, group=MENU_KPI),
            MenuItem(_l("Indicators"), "kpi_indicators.indicators", "kpi.view", order=801, group=MENU_KPI),
            MenuItem(_l("Cycle times"), "kpi_cycletimes.cycle_times", "kpi.view", order=802, group=MENU_KPI),
            MenuItem(_l("Scorecards"), "kpi_scorecards.scorecard", "kpi.view", order=803, group=MENU_KPI),
            MenuItem(_l("Analytics"), "kpi_analytics.regions", "kpi.analytics", order=810, group=MENU_KPI),
            MenuItem(_l("Supervision"), "kpi_supervision.audit", "kpi.supervise", order=820, group=MENU_KPI),
            *([MenuItem(_l("Violation reports"), "kpi_supervision.reports", HANDLE, order=830, group=MENU_KPI)]
              if may_handle(user) else []),
            MenuItem(_l("Report a violation"), "kpi_supervision.report", "kpi.violations.report", order=840,
                     group=MENU_KPI),
            MenuItem(_l("KPI targets"), "kpi_scorecards.targets", "kpi.targets", order=960, group=MENU_SETTINGS)]


@hookimpl
def outbox_document(company: Company, kind: str, key: int, language: str) -> bytes | None:
    """The monthly supervision report goes with its notice to the supervisors (stored in each language)."""
    return monthly.outbox_document(company, kind, key)


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("kpi.monthly_report", timedelta(hours=6), per_company("kpi", monthly.run),
                description="Make each ended month's supervision report once, in both languages, and tell the "
                            "supervisors")]
