"""A plugin that listens to every stage event and notes what it was given, as any listener would see it.

The hook tests build an app with it (``watching``) and read ``events(...)``: the
order's status and number at the moment the hook was called, and the payload.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.contracts import (
    CaseOpened, CaseResolved, Credit, Decision, Delivery, InvoiceIssued, Payment, PaymentReversal, ReviewOverdue,
    Settlement, TaskCompleted,
)
from core.hookspecs import hookimpl
from core.models import Order, OrderStatus
from core.plugins import Manifest

MANIFEST = Manifest(name="witness", version="1.0", hooks="tests.witness", default_enabled=True,
                    description="Notes every stage event it receives.")


@dataclass(frozen=True)
class Received:
    hook: str
    order_id: int
    status: OrderStatus  # as the listener saw it, not as it is now
    number: str | None
    pinned_modules: tuple[str, ...] | None
    payload: dict[str, Any] = field(default_factory=dict)


RECEIVED: list[Received] = []


def watching(make_app: Callable[..., Any], *manifests: Manifest, config: dict | None = None) -> Any:
    """An app with exactly these plugins and the witness, which has received nothing yet."""
    RECEIVED.clear()
    return make_app(config, plugins=[*manifests, MANIFEST])


def events(order_id: int, *hooks: str) -> list[Received]:
    """What the witness received for the order, in order; only these hooks when named."""
    return [r for r in RECEIVED if r.order_id == order_id and (not hooks or r.hook in hooks)]


def _note(hook: str, order: Order, **payload: Any) -> None:
    pinned = tuple(order.pinned_modules) if order.pinned_modules is not None else None
    RECEIVED.append(Received(hook, order.id, order.status, order.number, pinned, payload))


@hookimpl
def order_submitted(order: Order) -> None:
    _note("order_submitted", order)


@hookimpl
def review_decided(order: Order, decision: Decision) -> None:
    _note("review_decided", order, decision=decision)


@hookimpl
def shipped(order: Order) -> None:
    _note("shipped", order)


@hookimpl
def delivered(order: Order, delivery: Delivery) -> None:
    _note("delivered", order, delivery=delivery)


@hookimpl
def credit_granted(order: Order, credit: Credit) -> None:
    _note("credit_granted", order, credit=credit)


@hookimpl
def execution_task_completed(order: Order, task: TaskCompleted) -> None:
    _note("execution_task_completed", order, task=task)


@hookimpl
def problem_cases_opened(order: Order, cases: tuple[CaseOpened, ...]) -> None:
    _note("problem_cases_opened", order, cases=cases)


@hookimpl
def problem_case_resolved(order: Order, case: CaseResolved) -> None:
    _note("problem_case_resolved", order, case=case)


@hookimpl
def invoice_issued(order: Order, invoice: InvoiceIssued) -> None:
    _note("invoice_issued", order, invoice=invoice)


@hookimpl
def paid(order: Order, payment: Payment) -> None:
    _note("paid", order, payment=payment)


@hookimpl
def payment_reversed(order: Order, reversal: PaymentReversal) -> None:
    _note("payment_reversed", order, reversal=reversal)


@hookimpl
def order_settled(order: Order, settlement: Settlement) -> None:
    _note("order_settled", order, settlement=settlement)


@hookimpl
def order_completed(order: Order) -> None:
    _note("order_completed", order)


@hookimpl
def order_cancelled(order: Order, reason: str) -> None:
    _note("order_cancelled", order, reason=reason)


@hookimpl
def review_overdue(order: Order, overdue: ReviewOverdue) -> None:
    _note("review_overdue", order, overdue=overdue)
