"""Rebuilding a company's KPI facts from the core's audit log (``ordo kpi rebuild``).

The order events' audit entries carry what their payloads told the listeners
(the moment, a payment's amount and date, a review's step times, a delivery's
rating and refused lines), and the core's order table the rest (customer, who
entered it, receipt, terms). The stage work logistics and billing notify (tasks
done, problem cases opened and resolved, invoices issued) is on their own audit
entries, each payload under its hook's name (``core.contracts.TaskCompleted``
and the others say which entries carry them). The entries are read once, oldest
first, in chunks, and fed to the same functions live recording uses
(``facts.recording``); the rows are inserted in bulk, and a problem case opened
after its order's delivery is counted on the delivered order at the end, in one
statement. Facts of events after ``as_of`` are left out.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, insert, or_, select, update

from core.contracts import CaseOpened, CaseResolved, InvoiceIssued, Outcome, StepTime, TaskCompleted
from core.extensions import Model, db
from core.models import AuditEntry, Company, Order
from core.orders.events import EVENTS, REVIEW_FACTS, OrderEvent
from plugins.kpi.facts import collection, recording
from plugins.kpi.facts.models import KpiCase, KpiEvent, KpiEventKind, KpiInvoice, KpiMoney, KpiOrder, KpiTask
from plugins.kpi.facts.recording import OrderRef, Row

CHUNK = 2000
FACT_MODELS: tuple[type[Model], ...] = (KpiEvent, KpiTask, KpiCase, KpiOrder, KpiMoney, KpiInvoice)
# The notifications whose payloads the audit log keeps, and the audit actions that carry them.
NOTIFIED = (TaskCompleted, CaseOpened, CaseResolved, InvoiceIssued)
NOTIFIED_ACTIONS = sorted({action for kind in NOTIFIED for action in kind.audit_actions})


@dataclass
class _OrderState:
    """What the replay remembers of one order between its entries."""

    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    corrections: int = 0
    cases: int = 0


@dataclass
class RebuildResult:
    entries: int = 0
    facts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        written = ", ".join(f"{name} {count}" for name, count in sorted(self.facts.items()))
        return f"{self.entries} audit entries read; facts: {written or 'none'}"


def _moment(value: Any, fallback: datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else fallback


def _step_times(after: dict[str, Any]) -> list[StepTime]:
    return [StepTime(step["department"], datetime.fromisoformat(step["opened_at"]),
                     datetime.fromisoformat(step["due_at"]) if step.get("due_at") else None,
                     datetime.fromisoformat(step["decided_at"]), step.get("decided_by"))
            for step in after.get("step_times", ())]


def _records(after: dict[str, Any], hook: str) -> list[dict[str, Any]]:
    """The payloads of ``hook`` an audit entry keeps: under the hook's name, or in each item of a list."""
    if isinstance(after.get(hook), dict):
        return [after[hook]]
    return [item[hook] for value in after.values() if isinstance(value, list)
            for item in value if isinstance(item, dict) and isinstance(item.get(hook), dict)]


def facts_of_notice(ref: OrderRef, action: str, after: dict[str, Any], state: _OrderState) -> list[Row]:
    """The facts of the stage work an audit entry of another plugin's action kept, as the listeners recorded
    them (a case opened after the delivery is counted on the delivered order by :func:`rebuild`)."""
    rows: list[Row] = []
    if action in TaskCompleted.audit_actions:
        for record in _records(after, TaskCompleted.hook):
            rows += recording.task_completed_facts(ref, TaskCompleted.from_record(record))
    if action in CaseOpened.audit_actions:
        for record in _records(after, CaseOpened.hook):
            rows += recording.case_opened_facts(ref, CaseOpened.from_record(record))
            state.cases += 1
    if action in CaseResolved.audit_actions:
        for record in _records(after, CaseResolved.hook):
            rows += recording.case_resolved_facts(ref, CaseResolved.from_record(record))
    if action in InvoiceIssued.audit_actions:
        for record in _records(after, InvoiceIssued.hook):
            rows += recording.invoice_issued_facts(ref, InvoiceIssued.from_record(record))
    return rows


def facts_of_entry(ref: OrderRef, entry_at: datetime, action: OrderEvent, after: dict[str, Any],
                   state: _OrderState, company: Company) -> list[Row]:
    """The facts one audit entry stands for, as the event's listener recorded them."""
    if action == OrderEvent.SUBMIT:
        rows = recording.submitted_facts(ref, entry_at, first=state.decided_at is None)
        state.submitted_at = entry_at
        return rows
    if action == OrderEvent.REVIEW_DECIDED:
        state.decided_at = entry_at
        return recording.decided_facts(ref, REVIEW_FACTS[Outcome(after["outcome"])], entry_at, state.submitted_at,
                                       _step_times(after))
    if action == OrderEvent.DELIVER:
        signed_at = _moment(after.get("signed_at"), entry_at)
        return recording.delivered_facts(
            ref, at=entry_at, signed_at=signed_at, submitted_at=state.submitted_at, decided_at=state.decided_at,
            total=Decimal(after.get("total", "0")), zone=company.zone, corrections=state.corrections,
            refused_lines=after.get("refused_lines", 0), reserved_lines=after.get("reserved_lines", 0),
            rating=after.get("rating"), cases=state.cases)
    if action == OrderEvent.PAY:
        return recording.money_facts(ref, KpiEventKind.PAID, Decimal(after["amount"]),
                                     _moment(after.get("received_at"), entry_at), state.submitted_at)
    if action == OrderEvent.REVERSE_PAYMENT:
        return recording.money_facts(ref, KpiEventKind.PAYMENT_REVERSED, Decimal(after["amount"]),
                                     _moment(after.get("reversed_at"), entry_at), state.submitted_at)
    if action == OrderEvent.SETTLE:
        return [recording.event_fact(ref, KpiEventKind.SETTLED, _moment(after.get("settled_at"), entry_at),
                                     state.submitted_at)]
    if action == OrderEvent.APPLY_CHANGE:
        state.corrections += 1
    fact = EVENTS[action].fact
    return [] if fact is None else [recording.event_fact(ref, fact, entry_at, state.submitted_at)]


def rebuild(company_id: int, as_of: datetime) -> RebuildResult:
    """Delete the company's facts and record them again from its order events' audit entries up to ``as_of``."""
    company = db.session.get_one(Company, company_id)
    for model in FACT_MODELS:
        db.session.execute(delete(model).where(model.company_id == company_id))  # type: ignore[attr-defined]
    result = RebuildResult()
    states: dict[int, _OrderState] = defaultdict(_OrderState)
    pending: dict[type[Model], list[dict[str, Any]]] = defaultdict(list)
    rows = db.session.execute(
        select(AuditEntry.at, AuditEntry.entity, AuditEntry.action, AuditEntry.after, Order.id, Order.customer_id,
               Order.created_by_id, Order.received_at, Order.payment_terms)
        .join(Order, Order.id == AuditEntry.order_id)
        .where(AuditEntry.company_id == company_id, AuditEntry.at <= as_of,
               or_(and_(AuditEntry.entity == "order", AuditEntry.action.in_([event.value for event in OrderEvent])),
                   and_(AuditEntry.entity != "order", AuditEntry.action.in_(NOTIFIED_ACTIONS))))
        .order_by(AuditEntry.at, AuditEntry.id)
        .execution_options(yield_per=CHUNK))
    for at, entity, action, after, order_id, customer_id, salesperson_id, received_at, terms in rows:
        result.entries += 1
        ref = OrderRef(order_id, company_id, customer_id, salesperson_id, received_at, terms)
        facts = (facts_of_entry(ref, at, OrderEvent(action), after or {}, states[order_id], company)
                 if entity == "order" else facts_of_notice(ref, action, after or {}, states[order_id]))
        for model, values in facts:
            pending[model].append(values)
            if len(pending[model]) >= CHUNK:
                _flush(pending, result)
    _flush(pending, result)
    # Cases opened after their order's delivery: counted on the delivered order, as live recording does.
    opened = select(func.count()).where(KpiCase.order_id == KpiOrder.order_id).scalar_subquery()
    db.session.execute(update(KpiOrder).where(KpiOrder.company_id == company_id, KpiOrder.cases != opened)
                       .values(cases=opened, accurate=False), execution_options={"synchronize_session": False})
    # The customer's dunning and promises, from billing's own entries (``facts.collection``).
    entries, written = collection.rebuild(company_id, as_of)
    result.entries += entries
    if written:
        result.facts[collection.KpiCollection.__tablename__] = written
    return result


def _flush(pending: dict[type[Model], list[dict[str, Any]]], result: RebuildResult) -> None:
    for model, values in pending.items():
        if values:
            db.session.execute(insert(cast(Table, model.__table__)), values)
            name = cast(Table, model.__table__).name
            result.facts[name] = result.facts.get(name, 0) + len(values)
            values.clear()
