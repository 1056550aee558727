"""What has been received: payments per order, what an order still owes, in Python and in SQL.

An order owes its total, less what was credited back on its problem cases
(``credited_totals``: credit notes the invoices package issues), less what was paid.

The bottom of billing's reading: invoices read what was paid against them
here, and recording a payment (``services``) checks the balance here. Nothing
here writes, but for ``attach_earlier_payments``, which files payments taken
before an invoice existed under it.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, select, type_coerce
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.models import Order, OrderStatus, User
from core.models.types import Money
from core.orders import money
from plugins.billing.invoices.models import CreditNote, CreditReason, Invoice, InvoiceStatus
from plugins.billing.payments.models import BillingPayment

ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")
# Orders that will never be settled owe nothing.
UNSETTLED = frozenset({OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.DRAFT})


def payments_for(order: Order) -> list[BillingPayment]:
    return list(db.session.execute(
        select(BillingPayment).where(BillingPayment.order_id == order.id)
        .order_by(BillingPayment.received_at, BillingPayment.id)
        # Who recorded each payment, in one statement; their own permissions are not needed.
        .options(selectinload(BillingPayment.recorded_by).lazyload(User.roles))
    ).scalars())


def paid_totals(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """The amount received for each order, in one query."""
    ids = list(order_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(BillingPayment.order_id, func.sum(BillingPayment.amount))
        .where(BillingPayment.order_id.in_(ids)).group_by(BillingPayment.order_id)
    )
    return {order_id: money(Decimal(total)) for order_id, total in rows}


def paid_total(order: Order) -> Decimal:
    return paid_totals([order.id]).get(order.id, ZERO)


def credited_totals(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """What was credited back on each order's problem cases (credit notes that leave the order as it is),
    in one query. A change's credit note is not counted: the order's total moved with it."""
    ids = list(order_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CreditNote.order_id, func.sum(CreditNote.total))
        .where(CreditNote.order_id.in_(ids), CreditNote.reason == CreditReason.CASE_CREDIT)
        .group_by(CreditNote.order_id)
    )
    return {order_id: money(Decimal(total)) for order_id, total in rows}


def credited_total(order: Order) -> Decimal:
    return credited_totals([order.id]).get(order.id, ZERO)


def balance(order: Order, paid: Decimal, credited: Decimal = ZERO) -> Decimal:
    """What is still owed on an order that has received ``paid`` and had ``credited`` granted back."""
    if order.status in UNSETTLED:
        return ZERO
    return max(order.total - credited - paid, ZERO)


def outstanding(order: Order) -> Decimal:
    return balance(order, paid_total(order), credited_total(order))


def attach_earlier_payments(order: Order, invoice: Invoice) -> None:
    """File the payments taken before the order's invoice existed under it."""
    for payment in payments_for(order):
        payment.invoice_id = payment.invoice_id or invoice.id


# --- the same in SQL, for queries over many orders and invoices ----------------------------


def owing() -> ColumnElement[bool]:
    """SQL: the order still owes something, as ``balance`` says of it, for queries over many orders."""
    received = select(func.sum(BillingPayment.amount)).where(BillingPayment.order_id == Order.id).scalar_subquery()
    # Amounts are whole cents: more than half a cent owed is a cent or more, whatever rounding SQLite's REAL adds.
    return and_(Order.status.not_in(UNSETTLED),
                Order.total - credited_on_order() - func.coalesce(received, ZERO) > HALF_CENT)


def credited_on_order() -> ColumnElement[Decimal]:
    """SQL: what ``credited_totals`` says of the order in the query (``Order``)."""
    credited = (select(func.sum(CreditNote.total))
                .where(CreditNote.order_id == Order.id, CreditNote.reason == CreditReason.CASE_CREDIT)
                .scalar_subquery())
    return type_coerce(func.coalesce(credited, ZERO), Money())


def paid_on_invoice() -> ColumnElement[Decimal]:
    """What was received for an invoice's order, as a SQL expression for a list of invoices."""
    received = (select(func.sum(BillingPayment.amount)).where(BillingPayment.order_id == Invoice.order_id)
                .scalar_subquery())
    return type_coerce(func.coalesce(received, ZERO), Money())


def outstanding_on_invoice() -> ColumnElement[Decimal]:
    """What is still owed on an invoice, as ``balances`` computes it, in SQL (the list joins ``Order``)."""
    owed = Order.total - credited_on_order() - paid_on_invoice()
    closed = Invoice.status.in_((InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED))
    return type_coerce(case((closed, ZERO), (Order.status.in_(UNSETTLED), ZERO),
                            (owed > ZERO, owed), else_=ZERO), Money())
