"""Turning a stage event into KPI facts.

Each ``*_facts`` function is pure: from what the event says (its payload, the
order's own columns, its moment) it returns the rows to write, as
``(model, values)`` pairs. The hooks add them to the action's transaction
(:func:`add`); ``ordo kpi rebuild`` gives the same functions the same values read
back from the audit log and inserts them in bulk, so live recording and a rebuild
cannot drift apart.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from core.contracts import CaseOpened, CaseResolved, InvoiceIssued, StepTime, TaskCompleted
from sqlalchemy import Table, insert, update

from core.extensions import Model, db
from core.models import Order, PaymentTerms
from plugins.kpi.facts.models import (
    KpiCase, KpiEvent, KpiEventKind, KpiInvoice, KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage,
)

Row = tuple[type[Model], dict[str, Any]]

HOURS_PLACES = Decimal("0.01")
# How long intake may take from an order's receipt to its submission: the procedure's same-day entry.
INTAKE_LIMIT = timedelta(hours=24)
INTAKE_DEPARTMENT = "sales"
# An execution task that named its person but no department is the executing stage's work.
EXECUTION_DEPARTMENT = "logistics"
# The department the procedure holds responsible for an event, where there is one.
DEPARTMENTS = {
    KpiEventKind.PRODUCTION_STARTED: "production",
    KpiEventKind.SHIPPED: "logistics",
    KpiEventKind.DELIVERED: "logistics",
    KpiEventKind.PAID: "finance",
    KpiEventKind.PAYMENT_REVERSED: "finance",
}


@dataclass(frozen=True)
class OrderRef:
    """What every fact of an order carries, read from the core's order (never from another plugin)."""

    id: int
    company_id: int
    customer_id: int
    salesperson_id: int | None  # who entered the order
    received_at: datetime
    payment_terms: PaymentTerms

    @classmethod
    def of(cls, order: Order) -> OrderRef:
        return cls(order.id, order.company_id, order.customer_id, order.created_by_id, order.received_at,
                   order.payment_terms)


def hours_between(start: datetime | None, end: datetime) -> Decimal | None:
    if start is None:
        return None
    seconds = Decimal((end - start).total_seconds())
    return (seconds / 3600).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)


def seconds_between(start: datetime, end: datetime) -> int:
    """Whole seconds from ``start`` to ``end`` (never negative: a moment entered before its start counts 0)."""
    return max(int((end - start).total_seconds()), 0)


def event_fact(ref: OrderRef, kind: KpiEventKind, at: datetime, submitted_at: datetime | None,
               amount: Decimal | None = None) -> Row:
    """The stage event itself; ``submitted_at``: the order's latest submission (None before it)."""
    return KpiEvent, {
        "company_id": ref.company_id, "order_id": ref.id, "event": kind, "at": at, "amount": amount,
        "department": DEPARTMENTS.get(kind),
        "hours_since_submission": None if kind == KpiEventKind.SUBMITTED else hours_between(submitted_at, at),
    }


def submitted_facts(ref: OrderRef, at: datetime, first: bool) -> list[Row]:
    """The submission, and on the first one the intake task: from receipt to submission, by who entered it."""
    rows = [event_fact(ref, KpiEventKind.SUBMITTED, at, None)]
    if first:
        due = ref.received_at + INTAKE_LIMIT
        rows.append((KpiTask, {
            "company_id": ref.company_id, "order_id": ref.id, "stage": TaskStage.INTAKE,
            "department": INTAKE_DEPARTMENT, "person_id": ref.salesperson_id, "arrived_at": ref.received_at,
            "due_at": due, "done_at": at, "on_time": at <= due, "seconds": seconds_between(ref.received_at, at)}))
    return rows


def decided_facts(ref: OrderRef, kind: KpiEventKind, at: datetime, submitted_at: datetime | None,
                  steps: Iterable[StepTime]) -> list[Row]:
    """The review's outcome, and one task per decided step with its own limit and decider."""
    rows = [event_fact(ref, kind, at, submitted_at)]
    rows += [_task(ref, TaskStage.REVIEW, step.department, step.decided_by, step.opened_at, step.due_at,
                   step.decided_at) for step in steps]
    return rows


def _task(ref: OrderRef, stage: TaskStage, department: str, person_id: int | None, arrived_at: datetime,
          due_at: datetime | None, done_at: datetime) -> Row:
    return KpiTask, {
        "company_id": ref.company_id, "order_id": ref.id, "stage": stage, "department": department,
        "person_id": person_id, "arrived_at": arrived_at, "due_at": due_at, "done_at": done_at,
        "on_time": None if due_at is None else done_at <= due_at, "seconds": seconds_between(arrived_at, done_at)}


def task_completed_facts(ref: OrderRef, task: TaskCompleted) -> list[Row]:
    """An execution task done: its department's (else the executing stage's) and its responsible person's
    (else whoever completed it), from when it could be worked to when it was done, against its due time."""
    return [_task(ref, TaskStage.EXECUTION, task.department or EXECUTION_DEPARTMENT,
                  task.assignee_id if task.assignee_id is not None else task.completed_by_id, task.arrived_at,
                  task.due_at, task.completed_at)]


def case_opened_facts(ref: OrderRef, case: CaseOpened) -> list[Row]:
    """A problem case opened: the order it is on is not accurate (the delivery counts it, or it is counted on
    the delivered order, :func:`count_cases`)."""
    return [(KpiCase, {"company_id": ref.company_id, "order_id": ref.id, "number": case.number,
                       "case_type": case.case_type, "source": case.source, "department": case.department,
                       "opened_at": case.opened_at})]


def case_resolved_facts(ref: OrderRef, case: CaseResolved) -> list[Row]:
    """A problem case resolved: its department's and its resolver's work, from its opening, against its limit."""
    return [_task(ref, TaskStage.CASE, case.department, case.resolved_by_id, case.opened_at, case.due_at,
                  case.resolved_at)]


def invoice_issued_facts(ref: OrderRef, invoice: InvoiceIssued) -> list[Row]:
    """An invoice issued: its amount for the order's customer and salesperson, when issued and when due."""
    return [(KpiInvoice, {"company_id": ref.company_id, "order_id": ref.id, "customer_id": ref.customer_id,
                          "salesperson_id": ref.salesperson_id, "number": invoice.number,
                          "version": invoice.version, "amount": invoice.amount, "currency": invoice.currency,
                          "issued_at": invoice.issued_at, "due_date": invoice.due_date})]


def due_day(terms: PaymentTerms, delivered: date, decided: date | None) -> date:
    """When the order's total falls due on its terms, as the company's invoices say: on delivery, at the end of
    the month after it (monthly), or at approval (prepayment)."""
    if terms == PaymentTerms.MONTHLY:
        first_of_next = (delivered.replace(day=1) + timedelta(days=32)).replace(day=1)
        return (first_of_next + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if terms == PaymentTerms.PREPAYMENT and decided is not None:
        return decided
    return delivered


def delivered_facts(ref: OrderRef, *, at: datetime, signed_at: datetime, submitted_at: datetime | None,
                    decided_at: datetime | None, total: Decimal, zone: ZoneInfo, corrections: int,
                    refused_lines: int, reserved_lines: int, rating: int | None, cases: int = 0) -> list[Row]:
    """The signing for the goods: the delivered order's accuracy and rating, and its total falling due.

    ``cases``: the problem cases opened on the order so far (a case opened later is counted then)."""
    local = signed_at.astimezone(zone).date()
    decided = decided_at.astimezone(zone).date() if decided_at is not None else None
    due = datetime.combine(due_day(ref.payment_terms, local, decided), time.min, tzinfo=zone)
    return [
        event_fact(ref, KpiEventKind.DELIVERED, signed_at, submitted_at),
        (KpiOrder, {
            "company_id": ref.company_id, "order_id": ref.id, "customer_id": ref.customer_id,
            "salesperson_id": ref.salesperson_id, "delivered_at": signed_at,
            "lead_seconds": None if submitted_at is None else seconds_between(submitted_at, signed_at),
            "corrections": corrections,
            "refused_lines": refused_lines, "reserved_lines": reserved_lines, "cases": cases,
            "accurate": not (corrections or refused_lines or reserved_lines or cases), "rating": rating}),
        _money(ref, MoneyKind.DUE, total, due),
    ]


def money_facts(ref: OrderRef, kind: KpiEventKind, amount: Decimal, at: datetime,
                submitted_at: datetime | None) -> list[Row]:
    """A payment (collected) or its reversal (collected back, negative), at its own moment."""
    signed = amount if kind == KpiEventKind.PAID else -amount
    return [event_fact(ref, kind, at, submitted_at, amount), _money(ref, MoneyKind.COLLECTED, signed, at)]


def _money(ref: OrderRef, kind: MoneyKind, amount: Decimal, at: datetime) -> Row:
    return KpiMoney, {"company_id": ref.company_id, "order_id": ref.id, "customer_id": ref.customer_id,
                      "salesperson_id": ref.salesperson_id, "kind": kind, "amount": amount, "at": at}


def add(rows: Iterable[Row]) -> None:
    """Write the rows in the current transaction (the action that caused them), in the order given.

    One executemany for each table (and set of columns) rather than an INSERT a row: an order's approval
    records its event and a task fact for each review step. Nothing reads the rows back as objects; each
    row's references (the order, the person) are in the database already.
    """
    batches: dict[tuple[Table, frozenset[str]], list[dict[str, Any]]] = {}
    for model, values in rows:
        batches.setdefault((cast(Table, model.__table__), frozenset(values)), []).append(values)
    for (table, _columns), batch in batches.items():
        db.session.execute(insert(table), batch)


def count_cases(order_id: int, count: int) -> None:
    """Problem cases opened on an order already delivered: counted on it, and the order is not accurate."""
    db.session.execute(update(KpiOrder).where(KpiOrder.order_id == order_id)
                       .values(cases=KpiOrder.cases + count, accurate=False))
