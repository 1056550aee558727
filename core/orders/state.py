"""The order state machine: the one place where an order's status changes.

``advance(order, event, ...)`` checks that the event is allowed in the order's
status, sets the new status, writes the audit entry and calls the event's hook
on the plugins pinned on the order, all inside the caller's transaction. A
listener that raises rolls the whole action back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext

from core import audit
from core.contracts import Decision, Delivery, Outcome, Payment
from core.db import flush
from core.errors import TransitionError, ValidationError
from core.extensions import db
from core.models import Order, OrderStatus, User, utcnow

S = OrderStatus


@dataclass(frozen=True)
class Transition:
    sources: frozenset[OrderStatus]
    target: Callable[[Order, dict[str, Any]], OrderStatus]
    hook: str
    hook_args: tuple[str, ...] = ()  # payload keys passed to the hook besides the order


def _fixed(status: OrderStatus) -> Callable[[Order, dict[str, Any]], OrderStatus]:
    return lambda order, payload: status


def _after_review(order: Order, payload: dict[str, Any]) -> OrderStatus:
    return {
        Outcome.APPROVED: S.APPROVED,
        Outcome.REJECTED: S.REJECTED,
        Outcome.SENT_BACK: S.DRAFT,
    }[payload["decision"].outcome]


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT}), _fixed(S.SUBMITTED), "order_submitted"),
    "review_decided": Transition(
        frozenset({S.SUBMITTED}), _after_review, "review_decided", ("decision",)
    ),
    "ship": Transition(frozenset({S.APPROVED}), _fixed(S.SHIPPED), "shipped"),
    "deliver": Transition(
        frozenset({S.APPROVED, S.SHIPPED}), _fixed(S.DELIVERED), "delivered", ("delivery",)
    ),
    # A payment leaves the status as it is; settling a delivered order completes it.
    "pay": Transition(
        frozenset({S.APPROVED, S.SHIPPED, S.DELIVERED}),
        lambda order, payload: order.status,
        "paid",
        ("payment",),
    ),
    "complete": Transition(frozenset({S.DELIVERED}), _fixed(S.COMPLETED), "order_completed"),
    "cancel": Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED}), _fixed(S.CANCELLED), "order_cancelled", ("reason",)
    ),
}

_PAYLOAD_TYPES: dict[str, type] = {"decision": Decision, "delivery": Delivery, "payment": Payment, "reason": str}


def allowed_events(order: Order) -> list[str]:
    """The events the order's current status allows, in table order."""
    return [name for name, t in TRANSITIONS.items() if order.status in t.sources]


def advance(
    order: Order,
    event: str,
    *,
    actor: User | None,
    note: str | None = None,
    **payload: Any,
) -> Order:
    """Move ``order`` through ``event``: check, set status, audit, call the hook."""
    from core.modules import hooks_for_order

    transition = TRANSITIONS.get(event)
    if transition is None:
        raise ValueError(f"unknown order event {event!r}")
    for key in transition.hook_args:
        if not isinstance(payload.get(key), _PAYLOAD_TYPES[key]):
            raise TypeError(f"event {event!r} needs {key}={_PAYLOAD_TYPES[key].__name__}")
    if order.status not in transition.sources:
        raise TransitionError(
            _("order %(number)s is %(status)s; it cannot be %(action)s",
              number=order.display_number, status=order.status.value, action=_past(event))
        )

    with db.session.no_autoflush:  # flush once, below, where a lost race becomes a Conflict
        _apply(order, event, transition, actor, note, payload)
    flush()

    hook = getattr(hooks_for_order(order), transition.hook)
    hook(order=order, **{key: payload[key] for key in transition.hook_args})

    # An order that is both delivered and paid in full is complete.
    if order.status == S.DELIVERED and order.paid_in_full_at is not None and event in {"deliver", "pay"}:
        advance(order, "complete", actor=actor, note="delivered and paid in full")
    return order


def _apply(order: Order, event: str, transition: Transition, actor: User | None, note: str | None,
           payload: dict[str, Any]) -> None:
    """Set the new status and timestamps and write the audit entry."""
    from core.modules import active_modules

    before = order.status
    now = utcnow()
    if event == "submit":
        if not order.number:
            raise ValidationError(_("an order needs its number before it is submitted"), field="number")
        if not order.lines:
            raise ValidationError(_("an order needs at least one line"), field="lines")
        order.pinned_modules = sorted(active_modules(order.company_id))
        order.submitted_at = now
    elif event == "review_decided":
        order.decided_at = now
    elif event == "deliver":
        order.delivered_at = payload["delivery"].signed_at
    elif event == "pay" and payload["payment"].fully_paid:
        order.paid_in_full_at = order.paid_in_full_at or payload["payment"].received_at
    elif event == "complete":
        order.completed_at = now

    order.status = transition.target(order, payload)
    audit.record(
        company_id=order.company_id,
        order_id=order.id,
        entity="order",
        entity_id=order.id,
        action=event,
        actor=actor,
        before={"status": before.value},
        after={"status": order.status.value, **_describe(payload)},
        note=note,
    )


def _past(event: str) -> str:
    return {
        "submit": pgettext("order event", "submitted"),
        "review_decided": pgettext("order event", "decided"),
        "ship": pgettext("order event", "shipped"),
        "deliver": pgettext("order event", "delivered"),
        "pay": pgettext("order event", "paid"),
        "complete": pgettext("order event", "completed"),
        "cancel": pgettext("order event", "cancelled"),
    }[event]


def _describe(payload: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe summary of the event payload for the audit entry."""
    described: dict[str, Any] = {}
    decision = payload.get("decision")
    if isinstance(decision, Decision):
        described["outcome"] = decision.outcome.value
        described["reasons"] = list(decision.reasons)
        described["automatic"] = decision.automatic
    delivery = payload.get("delivery")
    if isinstance(delivery, Delivery):
        described["signed_by"] = delivery.signed_by
        if delivery.reservations:
            described["reservations"] = delivery.reservations
    payment = payload.get("payment")
    if isinstance(payment, Payment):
        described["amount"] = str(payment.amount)
        described["is_prepayment"] = payment.is_prepayment
        described["fully_paid"] = payment.fully_paid
    if isinstance(payload.get("reason"), str):
        described["reason"] = payload["reason"]
    return described
