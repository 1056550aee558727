"""The order's events: one table, and the typed functions that fire them.

Every status change of an order goes through one of the functions below
(``submit``, ``decide_review``, ``review_overdue``, ``start_production``, ``ship``, ``deliver``,
``record_payment``, ``reverse_payment``, ``settle``, ``cancel``, ``request_change``, ``apply_change``;
``complete`` is the core's own). Settlement state (``paid_in_full_at``) is set and cleared here
too, by ``record_payment``, ``settle``, ``reverse_payment`` and ``apply_change`` (a raise). Each
checks that the event is allowed in the order's status, sets the status, writes the audit entry and
calls the event's hook on the plugins pinned on the order, inside the caller's transaction; a
listener that raises rolls the whole action back.

Events never nest: an event fired while a hook is running (review approving at
once inside ``order_submitted``, an order completing inside ``paid``) is queued
and dispatched after the current hook returns, in order, by the outermost call.
So every listener sees the order in the status its hook spec promises. A stage
plugin's notification of work done (``invoice_issued``: not an order event, the
status stays) goes through :func:`notify`, which queues it the same way.

``EVENTS`` is the one table of events: the timeline's labels, the past tense of
error messages, the fact kinds that KPIs count and what a customer sees of each
on their timeline all derive from it.
"""
from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_babel.speaklater import LazyString

from core import audit
from core.contracts import (
    CustomerView, Decision, Delivery, OrderChange, Outcome, Payment, PaymentReversal, ReviewOverdue, Settlement,
)
from core.db import flush
from core.errors import TransitionError, ValidationError
from core.extensions import db
from core.labels import label
from core.models import Order, OrderStatus, User, utcnow
from core.modules import active_modules, hooks_for_order, pin_modules
from core.orders.revisions import CHANGEABLE_STATUSES, apply_change_to, check_change

S = OrderStatus


class OrderEvent(enum.StrEnum):
    """An event in an order's life; the value is the audit action it records."""

    SUBMIT = "submit"
    REVIEW_DECIDED = "review_decided"
    REVIEW_OVERDUE = "review_overdue"
    START_PRODUCTION = "production_started"
    SHIP = "ship"
    DELIVER = "deliver"
    PAY = "pay"
    REVERSE_PAYMENT = "payment_reversed"
    SETTLE = "settled"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REQUEST_CHANGE = "change_requested"
    APPLY_CHANGE = "change_applied"


class EventFact(enum.StrEnum):
    """What happened, as KPIs count it: one kind per event, three for a review's outcomes."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    REVIEW_OVERDUE = "review_overdue"  # a review step ran past its limit (once per escalation level)
    PRODUCTION_STARTED = "production_started"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PAID = "paid"
    PAYMENT_REVERSED = "payment_reversed"  # its amount is what the reversal took back of the order
    SETTLED = "settled"  # settled by a credit note, no money moving
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    CHANGE_REQUESTED = "change_requested"
    CHANGED = "changed"


REVIEW_FACTS: Mapping[Outcome, EventFact] = {
    Outcome.APPROVED: EventFact.APPROVED,
    Outcome.REJECTED: EventFact.REJECTED,
    Outcome.SENT_BACK: EventFact.SENT_BACK,
}

REVIEW_TARGETS: Mapping[Outcome, OrderStatus] = {
    Outcome.APPROVED: S.APPROVED,
    Outcome.REJECTED: S.REJECTED,
    Outcome.SENT_BACK: S.DRAFT,
}


# Where money is owed and settled: from approval (a prepayment) until the order completes.
SETTLEABLE = frozenset({S.APPROVED, S.IN_PRODUCTION, S.SHIPPED, S.DELIVERED})


@dataclass(frozen=True)
class EventSpec:
    """One row of the event table."""

    event: OrderEvent
    hook: str  # the hook spec in core.hookspecs called on the pinned plugins
    sources: frozenset[OrderStatus]  # the statuses the event is allowed in
    label: LazyString  # how the timeline names it
    past: Callable[[], str]  # "cannot be %(action)s"
    fact: EventFact | None  # the KPI fact kind; None when it depends on the payload
    # What a customer sees of it on their timeline; None: the event is internal.
    customer: CustomerView | None = None


EVENTS: Mapping[OrderEvent, EventSpec] = {
    spec.event: spec
    for spec in (
        EventSpec(OrderEvent.SUBMIT, "order_submitted", frozenset({S.DRAFT}),
                  _l("Submitted"), lambda: pgettext("order event", "submitted"), EventFact.SUBMITTED,
                  customer=CustomerView()),
        # The outcome, never the reviewers' reasons.
        EventSpec(OrderEvent.REVIEW_DECIDED, "review_decided", frozenset({S.SUBMITTED}),
                  _l("Review decided"), lambda: pgettext("order event", "decided"), None,
                  customer=CustomerView(frozenset({"status", "outcome"}))),
        # Internal: the customer does not see their order's review running late.
        # A change request's review runs late on an approved or shipped order.
        EventSpec(OrderEvent.REVIEW_OVERDUE, "review_overdue", frozenset({S.SUBMITTED}) | CHANGEABLE_STATUSES,
                  _l("Review step overdue"), lambda: pgettext("order event", "marked overdue"),
                  EventFact.REVIEW_OVERDUE),
        # Work on the goods began: the customer sees their order go into production.
        EventSpec(OrderEvent.START_PRODUCTION, "production_started", frozenset({S.APPROVED}),
                  _l("Production started"), lambda: pgettext("order event", "put into production"),
                  EventFact.PRODUCTION_STARTED, customer=CustomerView()),
        # Goods in stock ship from approved: an order with nothing to produce skips production.
        EventSpec(OrderEvent.SHIP, "shipped", frozenset({S.APPROVED, S.IN_PRODUCTION}),
                  _l("Shipped"), lambda: pgettext("order event", "shipped"), EventFact.SHIPPED,
                  customer=CustomerView()),
        # A pickup is signed for where it was made ready: no "shipped" before it.
        EventSpec(OrderEvent.DELIVER, "delivered", frozenset({S.APPROVED, S.IN_PRODUCTION, S.SHIPPED}),
                  _l("Signed for"), lambda: pgettext("order event", "delivered"), EventFact.DELIVERED,
                  customer=CustomerView(frozenset({"status", "signed_by", "reservations"}))),
        # A payment leaves the status as it is; settling a delivered order completes it.
        EventSpec(OrderEvent.PAY, "paid", SETTLEABLE,
                  _l("Payment received"), lambda: pgettext("order event", "paid"), EventFact.PAID,
                  customer=CustomerView(frozenset({"status", "amount", "is_prepayment", "fully_paid"}))),
        # A wrong payment taken back: the order owes again what it paid; the status stays.
        EventSpec(OrderEvent.REVERSE_PAYMENT, "payment_reversed", SETTLEABLE,
                  _l("Payment reversed"), lambda: pgettext("order event", "marked unpaid"),
                  EventFact.PAYMENT_REVERSED,
                  customer=CustomerView(frozenset({"status", "amount", "method", "fully_paid"}))),
        # A credit note took back what the payments left owing; settling a delivered order completes it.
        EventSpec(OrderEvent.SETTLE, "order_settled", SETTLEABLE,
                  _l("Settled by credit"), lambda: pgettext("order event", "settled"), EventFact.SETTLED,
                  customer=CustomerView(frozenset({"status", "credit_note"}))),
        EventSpec(OrderEvent.COMPLETE, "order_completed", frozenset({S.DELIVERED}),
                  _l("Completed"), lambda: pgettext("order event", "completed"), EventFact.COMPLETED,
                  customer=CustomerView()),
        # The reason only when the customer gave it: staff's reasons are their own.
        EventSpec(OrderEvent.CANCEL, "order_cancelled",
                  frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED, S.IN_PRODUCTION}),
                  _l("Cancelled"), lambda: pgettext("order event", "cancelled"), EventFact.CANCELLED,
                  customer=CustomerView(own_fields=frozenset({"reason"}))),
        # A change leaves the status as it is; applying it makes the order's next revision.
        EventSpec(OrderEvent.REQUEST_CHANGE, "change_requested", CHANGEABLE_STATUSES,
                  _l("Change requested"), lambda: pgettext("order event", "changed"), EventFact.CHANGE_REQUESTED,
                  customer=CustomerView(frozenset({"status", "base_revision", "change_id"}))),
        EventSpec(OrderEvent.APPLY_CHANGE, "order_changed", CHANGEABLE_STATUSES,
                  _l("Change applied"), lambda: pgettext("order event", "changed"), EventFact.CHANGED,
                  customer=CustomerView(frozenset({"status", "revision", "change_id"}))),
    )
}

# How the core's own system notes read on the timeline; stored as codes, shown as labels.
SYSTEM_NOTES: Mapping[str, LazyString] = {
    "paid_in_full": _l("delivered and paid in full"),
    "review_not_enabled": _l("approved automatically: the review module is not enabled"),
    "billing_not_enabled": _l("completed on delivery: the billing module is not enabled"),
    "change_review_not_enabled": _l("change approved automatically: the review module is not enabled"),
}


def event_labels() -> dict[str, LazyString]:
    """The timeline's names of the order events, by audit action."""
    return {spec.event.value: spec.label for spec in EVENTS.values()}


def customer_views() -> dict[str, CustomerView]:
    """What a customer sees of the order events on their timeline, by audit action."""
    return {spec.event.value: spec.customer for spec in EVENTS.values() if spec.customer is not None}


def allowed_events(order: Order) -> list[OrderEvent]:
    """The events the order's current status allows, in table order."""
    return [spec.event for spec in EVENTS.values() if order.status in spec.sources]


def fact_of(event: OrderEvent, decision: Decision | None = None) -> EventFact:
    """The KPI fact kind an event stands for (a review's depends on its outcome)."""
    spec = EVENTS[event]
    if spec.fact is not None:
        return spec.fact
    if decision is None:
        raise ValueError(f"the fact of {event.value!r} depends on the decision")
    return REVIEW_FACTS[decision.outcome]


# --- the typed event functions ---------------------------------------------


def submit(order: Order, *, actor: User | None) -> Order:
    """Intake's order is complete and re-checked: pin the modules and start review."""
    return _fire(_Pending(order, OrderEvent.SUBMIT, actor, _apply_submit))


def decide_review(order: Order, decision: Decision, *, actor: User | None, note: str | None = None) -> Order:
    """Every review step is decided: approve, reject or send the order back."""
    return _fire(_Pending(order, OrderEvent.REVIEW_DECIDED, actor, _apply_review, note=note,
                          hook_args={"decision": decision}, summary=_decision_summary(decision)))


def review_overdue(order: Order, overdue: ReviewOverdue, *, actor: User | None = None) -> Order:
    """A review step ran past its limit and went up a level (or its reviewer said why); the status stays."""
    summary: dict[str, Any] = {"department": overdue.department, "level": overdue.level,
                               "escalated_to": list(overdue.escalated_to)}
    if overdue.reason:
        summary["reason"] = overdue.reason
    return _fire(_Pending(order, OrderEvent.REVIEW_OVERDUE, actor, _same, hook_args={"overdue": overdue},
                          summary=summary))


def start_production(order: Order, *, actor: User | None, note: str | None = None,
                     task: str | None = None) -> Order:
    """Work on the approved order's goods began; ``task`` names what started, kept on the audit entry."""
    return _fire(_Pending(order, OrderEvent.START_PRODUCTION, actor, _to(S.IN_PRODUCTION), note=note,
                          summary={"task": task} if task else {}))


def ship(order: Order, *, actor: User | None, note: str | None = None, shipment: str | None = None) -> Order:
    """The goods left for the customer; ``shipment`` is the number of what left, kept on the audit entry."""
    return _fire(_Pending(order, OrderEvent.SHIP, actor, _to(S.SHIPPED), note=note,
                          summary={"shipment": shipment} if shipment else {}))


def deliver(order: Order, delivery: Delivery, *, actor: User | None, note: str | None = None) -> Order:
    """The customer signed for the goods; a delivered order already paid in full completes."""
    summary: dict[str, Any] = {"signed_by": delivery.signed_by, "signed_at": delivery.signed_at.isoformat(),
                               "total": str(order.total)}
    if delivery.reservations:
        summary["reservations"] = delivery.reservations
    if delivery.rating is not None:
        summary["rating"] = delivery.rating
    if delivery.refused_lines or delivery.reserved_lines:
        summary["refused_lines"], summary["reserved_lines"] = delivery.refused_lines, delivery.reserved_lines
    return _fire(_Pending(order, OrderEvent.DELIVER, actor, _apply_delivery, note=note,
                          hook_args={"delivery": delivery}, summary=summary))


def record_payment(order: Order, payment: Payment, *, actor: User | None, note: str | None = None) -> Order:
    """A payment was confirmed; a delivered order it settles completes."""
    summary: dict[str, Any] = {"amount": str(payment.amount), "is_prepayment": payment.is_prepayment,
                               "fully_paid": payment.fully_paid, "received_at": payment.received_at.isoformat()}
    if payment.method:
        summary["method"] = payment.method
    return _fire(_Pending(order, OrderEvent.PAY, actor, _apply_payment, note=note,
                          hook_args={"payment": payment}, summary=summary))


def reverse_payment(order: Order, reversal: PaymentReversal, *, actor: User | None) -> Order:
    """A confirmed payment was reversed: an order no longer paid in full loses its ``paid_in_full_at``.

    The status stays; a completed order is never re-opened (the event is not allowed on it).
    The reason is the audit entry's note.
    """
    summary: dict[str, Any] = {"amount": str(reversal.amount), "fully_paid": reversal.fully_paid,
                               "reversed_at": reversal.reversed_at.isoformat()}
    if reversal.method:
        summary["method"] = reversal.method
    if reversal.payment_id is not None:
        summary["payment_id"] = reversal.payment_id
    return _fire(_Pending(order, OrderEvent.REVERSE_PAYMENT, actor, _apply_reversal, note=reversal.reason,
                          hook_args={"reversal": reversal}, summary=summary))


def settle(order: Order, settlement: Settlement, *, actor: User | None) -> Order:
    """The order owes nothing more without a payment settling it (a credit note took back the rest):
    it is paid in full, and a delivered order completes."""
    summary: dict[str, Any] = {"paid": str(settlement.paid), "credited": str(settlement.credited),
                               "settled_at": settlement.settled_at.isoformat()}
    if settlement.credit_note:
        summary["credit_note"] = settlement.credit_note
    return _fire(_Pending(order, OrderEvent.SETTLE, actor, _apply_settlement,
                          hook_args={"settlement": settlement}, summary=summary))


def complete(order: Order, *, actor: User | None, note: str | None = None) -> Order:
    """The order is delivered and settled (the core's rule, or a fallback's when billing is off)."""
    return _fire(_Pending(order, OrderEvent.COMPLETE, actor, _apply_complete, note=note))


def cancel(order: Order, reason: str, *, actor: User | None) -> Order:
    """The order is cancelled before delivery, with the user's reason."""
    return _fire(_Pending(order, OrderEvent.CANCEL, actor, _to(S.CANCELLED),
                          hook_args={"reason": reason}, summary={"reason": reason}))


def request_change(order: Order, change: OrderChange, *, actor: User | None) -> Order:
    """A change to the order was recorded: its review starts (with review off, it applies at once).

    The change is checked against the order's stage first (``core.orders.revisions.check_change``).
    """
    check_change(order, change)
    return _fire(_Pending(order, OrderEvent.REQUEST_CHANGE, actor, _same, hook_args={"change": change},
                          summary=_change_summary(change)))


def apply_change(order: Order, change: OrderChange, *, actor: User | None, note: str | None = None) -> Order:
    """Every required step approved the change: keep the current revision and make the change the next one."""
    summary = {**_change_summary(change), "revision": change.revision}
    return _fire(_Pending(order, OrderEvent.APPLY_CHANGE, actor, _apply_change, note=note,
                          hook_args={"change": change}, summary=summary))


# --- dispatch ----------------------------------------------------------------

# The events after which a delivered order paid in full completes.
SETTLING = frozenset({OrderEvent.DELIVER, OrderEvent.PAY, OrderEvent.SETTLE})


Apply = Callable[[Order, "_Pending"], OrderStatus]


@dataclass
class _Pending:
    order: Order
    event: OrderEvent
    actor: User | None
    apply: Apply  # sets timestamps, returns the new status
    note: str | None = None
    hook_args: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)  # JSON-safe, for the audit entry
    # The moment of the event, set when it is dispatched: the audit entry's ``at`` and the order's timestamps.
    at: datetime = field(default_factory=utcnow)


@dataclass
class _Notice:
    """A stage plugin's notification: a hook called on the plugins pinned on the order, no status change."""

    order: Order
    hook: str
    payload: dict[str, Any]


@dataclass
class _Dispatcher:
    """The events of one session's transaction: the running one and the queued follow-ups."""

    running: bool = False
    queue: deque[_Pending | _Notice] = field(default_factory=deque)
    current: _Pending | None = None  # the event whose hooks are running


_SESSION_KEY = "ordo.order_events"


def _dispatcher() -> _Dispatcher:
    info = db.session.info
    dispatcher = info.get(_SESSION_KEY)
    if dispatcher is None:
        dispatcher = info[_SESSION_KEY] = _Dispatcher()
    return dispatcher


def notify(order: Order, hook: str, **payload: Any) -> None:
    """Tell the plugins pinned on the order of a stage's work (a notification hook, e.g. ``invoice_issued``).

    Called now, or, while an event's hooks run (an invoice issued inside ``delivered``), queued after them in
    order with the events, like an event: a notification never nests inside an event's hooks, and an event its
    listeners fire is queued after it. The plugin calling it writes its own audit entry first.
    """
    _fire(_Notice(order, hook, payload))


def _fire(pending: _Pending | _Notice) -> Order:
    """Dispatch an event (or a notification) now, or queue it when another event's hook is running."""
    dispatcher = _dispatcher()
    if dispatcher.running:
        _enqueue(dispatcher, pending)
        return pending.order
    dispatcher.running = True
    try:
        _dispatch_any(dispatcher, pending)
        while dispatcher.queue:
            _dispatch_any(dispatcher, dispatcher.queue.popleft())
    finally:
        dispatcher.running = False
        dispatcher.queue.clear()
    return pending.order


def _dispatch_any(dispatcher: _Dispatcher, pending: _Pending | _Notice) -> None:
    if isinstance(pending, _Notice):
        getattr(hooks_for_order(pending.order), pending.hook)(order=pending.order, **pending.payload)
    else:
        _dispatch(dispatcher, pending)


def event_moment() -> datetime:
    """The moment of the event whose hooks are running: its audit entry's ``at``.

    A listener that records when something happened takes it from here, so what it
    records and the audit log agree to the microsecond (KPIs rebuild their facts from
    the log). Outside a hook: now.
    """
    current = _dispatcher().current
    return current.at if current is not None else utcnow()


def _enqueue(dispatcher: _Dispatcher, pending: _Pending | _Notice) -> None:
    # Completion can be asked for twice in one action (the core's rule and a fallback's);
    # it happens once.
    if isinstance(pending, _Pending) and pending.event == OrderEvent.COMPLETE and any(
        isinstance(queued, _Pending) and queued.event == OrderEvent.COMPLETE and queued.order is pending.order
        for queued in dispatcher.queue
    ):
        return
    dispatcher.queue.append(pending)


def _dispatch(dispatcher: _Dispatcher, pending: _Pending) -> None:
    order, spec = pending.order, EVENTS[pending.event]
    if order.status not in spec.sources:
        raise TransitionError(
            _("order %(number)s is %(status)s; it cannot be %(action)s",
              number=order.display_number, status=label(order.status), action=spec.past())
        )
    before = order.status
    pending.at = utcnow()
    with db.session.no_autoflush:  # flush once, below, where a lost race becomes a Conflict
        order.status = pending.apply(order, pending)
        if order.status != before:
            order.status_changed_at = pending.at
        audit.record(
            company_id=order.company_id,
            order_id=order.id,
            entity="order",
            entity_id=order.id,
            action=pending.event.value,
            actor=pending.actor,
            before={"status": before.value},
            after={"status": order.status.value, **pending.summary},
            note=pending.note,
            at=pending.at,
        )
    flush()
    dispatcher.current = pending
    try:
        getattr(hooks_for_order(order), spec.hook)(order=order, **pending.hook_args)
    finally:
        dispatcher.current = None
    if (pending.event in SETTLING
            and order.status == S.DELIVERED and order.paid_in_full_at is not None):
        _enqueue(dispatcher, _Pending(order, OrderEvent.COMPLETE, pending.actor, _apply_complete,
                                      note="paid_in_full"))


# --- what each event sets ----------------------------------------------------


def _to(status: OrderStatus) -> Apply:
    return lambda order, pending: status


def _same(order: Order, pending: _Pending) -> OrderStatus:
    return order.status


def _apply_change(order: Order, pending: _Pending) -> OrderStatus:
    change: OrderChange = pending.hook_args["change"]
    before = order.total
    apply_change_to(order, change)
    if order.paid_in_full_at is not None and order.total > before:
        # What was paid in full was the old total: the raise is owed until paid (or credited), so delivering
        # the order no longer completes it. A plugin that finds it covered settles it again after the change.
        order.paid_in_full_at = None
    return order.status


def _apply_submit(order: Order, pending: _Pending) -> OrderStatus:
    if not order.number:
        raise ValidationError(_("an order needs its number before it is submitted"), field="number")
    if not order.lines:
        raise ValidationError(_("an order needs at least one line"), field="lines")
    pin_modules(order, active_modules(order.company_id))
    order.submitted_at = pending.at
    return S.SUBMITTED


def _apply_review(order: Order, pending: _Pending) -> OrderStatus:
    order.decided_at = pending.at
    decision: Decision = pending.hook_args["decision"]
    return REVIEW_TARGETS[decision.outcome]


def _apply_delivery(order: Order, pending: _Pending) -> OrderStatus:
    delivery: Delivery = pending.hook_args["delivery"]
    order.delivered_at = delivery.signed_at
    return S.DELIVERED


def _apply_payment(order: Order, pending: _Pending) -> OrderStatus:
    payment: Payment = pending.hook_args["payment"]
    if payment.fully_paid:
        order.paid_in_full_at = order.paid_in_full_at or payment.received_at
    return order.status


def _apply_reversal(order: Order, pending: _Pending) -> OrderStatus:
    reversal: PaymentReversal = pending.hook_args["reversal"]
    if not reversal.fully_paid:
        order.paid_in_full_at = None  # delivering it will not complete it
    return order.status


def _apply_settlement(order: Order, pending: _Pending) -> OrderStatus:
    settlement: Settlement = pending.hook_args["settlement"]
    order.paid_in_full_at = order.paid_in_full_at or settlement.settled_at
    return order.status


def _apply_complete(order: Order, pending: _Pending) -> OrderStatus:
    order.completed_at = pending.at
    return S.COMPLETED


def _decision_summary(decision: Decision) -> dict[str, Any]:
    summary: dict[str, Any] = {"outcome": decision.outcome.value, "reasons": list(decision.reasons),
                               "automatic": decision.automatic}
    if decision.rules:
        summary["rules"] = list(decision.rules)
    if decision.steps:
        summary["steps"] = {department: outcome for department, outcome in decision.steps}
    if decision.step_times:
        summary["step_times"] = [
            {"department": step.department, "opened_at": step.opened_at.isoformat(),
             "due_at": step.due_at.isoformat() if step.due_at else None,
             "decided_at": step.decided_at.isoformat(), "decided_by": step.decided_by}
            for step in decision.step_times]
    return summary


def _change_summary(change: OrderChange) -> dict[str, Any]:
    summary: dict[str, Any] = {"base_revision": change.base_revision, "fields": sorted(change.fields)}
    if change.change_id is not None:
        summary["change_id"] = change.change_id
    return summary
