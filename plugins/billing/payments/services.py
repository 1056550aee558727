"""Recording payments against orders, the prepayment gate, and the payments waiting in finance's inbox.

A payment is recorded here and confirmed to the other stages through
``core.orders.events.record_payment``; the core completes a delivered order
once it is paid in full. Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import lazyload

from core import formatting
from core.auth.context import VIEW_PRICES, check
from core.contracts import Gate, Payment as PaymentEvent, Stage
from core.db import flush
from core.errors import Conflict, TransitionError, ValidationError
from core.extensions import db
from core.figures import MONEY
from core.labels import label
from core.models import Order, OrderStatus, PaymentTerms, User, utcnow
from core.modules import order_has_stage, pinned
from core.orders import events, money
from core.orders.queries import visible_orders
from plugins.billing.dates import END_OF_DAY, company_zone, end_of_day
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.invoices.services import invoice_for, mark_paid
from plugins.billing.payments.ledger import ZERO, balance, credited_totals, outstanding, owing, paid_totals
from plugins.billing.payments.models import BillingPayment, PaymentMethod

LARGEST_AMOUNT = MONEY.largest
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of the payer's bank and ours differ a little

# A payment is taken from approval until the order is settled.
PAYABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


# --- checking what was entered -------------------------------------------------------


def _valid_amount(amount: Any) -> Decimal:
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("enter the amount as a number, for example 1250.00"), field="amount") from None
    if not value.is_finite():
        raise ValidationError(_("enter the amount as a number, for example 1250.00"), field="amount")
    if value <= 0:
        raise ValidationError(_("the amount must be greater than zero"), field="amount")
    if value > LARGEST_AMOUNT:
        raise ValidationError(_("the amount is too large"), field="amount")
    exponent = value.normalize().as_tuple().exponent  # an int, since the value is finite
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError(_("the amount has at most two decimal places"), field="amount")
    return money(value)


def _valid_received_at(received_at: datetime | None) -> datetime:
    now = utcnow()
    if received_at is None:
        return now
    if not isinstance(received_at, datetime) or received_at.tzinfo is None:
        raise ValidationError(_("give the time the money was received with its time zone"),
                              field="received_at")
    if received_at > now + FUTURE_TOLERANCE:
        raise ValidationError(_("a payment cannot be received in the future"), field="received_at")
    return received_at


def _valid_method(method: PaymentMethod | str) -> PaymentMethod:
    try:
        return PaymentMethod(method)
    except ValueError:
        allowed = ", ".join(m.value for m in PaymentMethod)
        raise ValidationError(_("the method must be one of %(allowed)s", allowed=allowed),
                              field="method") from None


def _valid_reference(reference: str | None) -> str | None:
    reference = (reference or "").strip() or None
    if reference is not None and len(reference) > 120:
        raise ValidationError(_("the reference has at most 120 characters"), field="reference")
    return reference


# --- recording a payment -------------------------------------------------------------------


def _lock(order: Order) -> None:
    """Hold the order's row so that two payments cannot both fit the same balance."""
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    db.session.refresh(order)


def record_payment(
    order: Order,
    *,
    amount: Decimal | str,
    received_at: datetime | None = None,
    method: PaymentMethod | str = PaymentMethod.BANK_TRANSFER,
    reference: str | None = None,
    actor: User,
) -> BillingPayment:
    """Record money received for an order and confirm it to the other stages.

    The amount may not exceed what is still owed. A payment before delivery is a
    prepayment. The ``paid`` event tells whether the order is now paid in full;
    the core completes a delivered order that is. Only a user who may see prices
    records one: the refusal of too large an amount would tell the balance.
    """
    check(actor, VIEW_PRICES)
    value = _valid_amount(amount)
    received_at = _valid_received_at(received_at)
    method = _valid_method(method)
    reference = _valid_reference(reference)
    if not order_has_stage(order, Stage.BILLING):
        raise Conflict(_("order %(number)s was submitted without billing; it settles without payments here",
                         number=order.display_number))
    _lock(order)
    if order.status not in PAYABLE:
        raise TransitionError(_("order %(number)s is %(status)s; it cannot take a payment",
                                number=order.display_number, status=label(order.status)))
    owed = outstanding(order)
    if value > owed:
        raise ValidationError(
            _("the amount %(amount)s is more than the outstanding balance of %(owed)s %(currency)s",
              amount=formatting.money(value), owed=formatting.money(owed), currency=order.currency),
            field="amount",
        )
    invoice = invoice_for(order)
    payment = BillingPayment(
        company_id=order.company_id, order_id=order.id, invoice_id=invoice.id if invoice else None,
        amount=value, received_at=received_at, method=method, reference=reference,
        is_prepayment=order.status != OrderStatus.DELIVERED,
        recorded_by_id=actor.id, created_at=utcnow(),
    )
    db.session.add(payment)
    flush()
    fully_paid = outstanding(order) <= ZERO
    if fully_paid and invoice is not None:
        mark_paid(invoice, received_at, actor)
    # The method is a code the timeline labels; the reference was typed and stays as typed.
    events.record_payment(order, PaymentEvent(
        amount=value, received_at=received_at, is_prepayment=payment.is_prepayment,
        fully_paid=fully_paid, payment_id=payment.id, method=method.value,
    ), actor=actor, note=reference)
    return payment


# --- execution gate -----------------------------------------------------------------


def prepayment_gates(order: Order) -> list[Gate]:
    """Hold a prepayment order out of execution until the prepayment covers its total."""
    if order.payment_terms != PaymentTerms.PREPAYMENT:
        return []
    owed = outstanding(order)
    if owed > ZERO:
        # No amount in the reason: logistics and production read it; the billing panel shows the balance.
        return [Gate("prepayment", blocked=True, reason=_("waiting for the prepayment"))]
    return [Gate("prepayment", blocked=False, reason=_("prepayment received"))]


def prepayment_holds() -> list[ColumnElement[bool]]:
    """``prepayment_gates`` over many orders, in SQL: billing is pinned, the prepayment not yet covered."""
    return [and_(pinned(Stage.BILLING), Order.payment_terms == PaymentTerms.PREPAYMENT, owing())]


# --- finance's inbox ------------------------------------------------------------------


def _receivables(user: User) -> Select[Order] | None:
    """Prepayments to confirm and delivered orders still owing, joined to their invoices (if any yet)."""
    if not user.can("billing.payment.record"):
        return None
    # The order's invoice is its version not credited (one at a time).
    current = and_(Invoice.order_id == Order.id, Invoice.status != InvoiceStatus.CREDITED)
    return visible_orders(user).outerjoin(Invoice, current).where(
        or_(and_(Order.status == OrderStatus.APPROVED, Order.payment_terms == PaymentTerms.PREPAYMENT),
            Order.status == OrderStatus.DELIVERED),
        pinned(Stage.BILLING), owing(),
    )


@dataclass(frozen=True)
class Receivable:
    """An order waiting for a payment: its prepayment (approved) or its balance (delivered)."""

    order: Order
    owed: Decimal
    due_at: datetime | None

    @property
    def prepayment(self) -> bool:
        return self.order.status == OrderStatus.APPROVED


def receivables_due(user: User, limit: int | None = None) -> list[Receivable]:
    """Prepayments to confirm and delivered orders still owing, for those who record payments; the ``limit``
    due first (by their invoice's due date), in three queries however many there are."""
    receivables = _receivables(user)
    if receivables is None:
        return []
    rows = db.session.execute(
        receivables.add_columns(Invoice.due_date)
        .order_by(Invoice.due_date.asc().nulls_last(), Order.id).limit(limit)
        .options(lazyload(Order.lines), lazyload(Order.module_rows))
    ).all()
    paid = paid_totals(order.id for order, _due in rows)
    credited = credited_totals(order.id for order, _due in rows)
    zone = company_zone(user.company_id)
    return [Receivable(order, balance(order, paid.get(order.id, ZERO), credited.get(order.id, ZERO)),
                       end_of_day(due, zone) if due is not None else None)
            for order, due in rows]


def receivable_counts(user: User, now: datetime) -> dict[str, tuple[int, int]]:
    """How many tasks ``receivable_tasks`` would list of each kind, and how many are late, in one query."""
    receivables = _receivables(user)
    if receivables is None:
        return {}
    zone = company_zone(user.company_id)
    local = now.astimezone(zone)
    # An invoice is late once the end of its due day (23:59:59 there, as ``end_of_day`` says) has passed.
    late_before = local.date() + timedelta(days=1) if local.time() > END_OF_DAY else local.date()
    prepayment, late = Order.status == OrderStatus.APPROVED, Invoice.due_date < late_before
    total, late_ones, prepayments, late_prepayments = db.session.execute(receivables.with_only_columns(
        func.count(), func.count(case((late, 1))), func.count(case((prepayment, 1))),
        func.count(case((and_(prepayment, late), 1))))).one()
    return {"prepayment": (prepayments, late_prepayments),
            "collect_payment": (total - prepayments, late_ones - late_prepayments)}
