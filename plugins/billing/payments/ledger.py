"""What has been received: payments per order, what an order still owes, in Python and in SQL.

An order owes its total, less what was credited back on its problem cases
(``credited_totals``: credit notes the invoices package issues), less what was paid:
the allocations to it of payments not reversed.

The bottom of billing's reading: invoices read what was paid against them
here, and recording a payment (``services``) checks the balance here. Nothing
here writes, but for ``attach_earlier_payments``, which files allocations made
before an invoice (or its version) existed under it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from core.extensions import db
from core.models import Order, OrderStatus, User
from core.models.types import Money
from core.orders import money
from core.session_memo import remember, remembered
from plugins.billing.invoices.models import CreditNote, CreditReason, Invoice, InvoiceStatus
from plugins.billing.payments.models import BillingPayment, PaymentAllocation

ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")
# Orders that will never be settled owe nothing.
UNSETTLED = frozenset({OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.DRAFT})


def payments_for(order: Order) -> list[BillingPayment]:
    """The payments that paid (or, reversed, had paid) something of the order, oldest first."""
    return list(db.session.execute(
        select(BillingPayment).where(BillingPayment.id.in_(
            select(PaymentAllocation.payment_id).where(PaymentAllocation.order_id == order.id)))
        .order_by(BillingPayment.received_at, BillingPayment.id)
        # Who recorded each payment, in one statement; their own permissions are not needed.
        .options(selectinload(BillingPayment.recorded_by).lazyload(User.roles))
    ).scalars())


def allocated_to(order: Order) -> dict[int, Decimal]:
    """What of each payment went to the order (its reversed allocations too), in one query."""
    rows = db.session.execute(
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.order_id == order.id).group_by(PaymentAllocation.payment_id))
    return {payment_id: money(Decimal(total)) for payment_id, total in rows}


def paid_totals(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """What payments not reversed paid of each order, in one query; once per unit of work until an allocation
    is written (``core.session_memo``): a payment, an invoice and their answers all ask."""
    ids = tuple(sorted(set(order_ids)))
    if not ids:
        return {}
    return dict(remembered(("billing.paid", ids), lambda: _paid_totals(ids), autoflush=True,
                           tables=(PaymentAllocation.__tablename__,)))


def paid_with(before: Mapping[int, Decimal], added: Mapping[int, Decimal]) -> None:
    """Keep as ``paid_totals`` of the orders of ``added`` what they were paid ``before`` (``paid_totals`` of the
    same orders, asked just before) with the allocations just written, ``added`` of each: the answer a read
    would give, known without it. Any later write of an allocation forgets it, as it does a read answer."""
    ids = tuple(sorted(set(added)))
    if ids:
        remember(("billing.paid", ids), {order_id: money(before.get(order_id, ZERO) + added[order_id])
                                         for order_id in ids}, tables=(PaymentAllocation.__tablename__,))


def _paid_totals(ids: tuple[int, ...]) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(PaymentAllocation.order_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.order_id.in_(ids), PaymentAllocation.reversed_at.is_(None))
        .group_by(PaymentAllocation.order_id)
    )
    return {order_id: money(Decimal(total)) for order_id, total in rows}


def paid_total(order: Order) -> Decimal:
    return paid_totals([order.id]).get(order.id, ZERO)


def credited_totals(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """What was credited back on each order's problem cases (credit notes that leave the order as it is),
    in one query. A change's credit note is not counted: the order's total moved with it. Once per unit of
    work until a credit note is written."""
    ids = tuple(sorted(set(order_ids)))
    if not ids:
        return {}
    return dict(remembered(("billing.credited", ids), lambda: _credited_totals(ids), autoflush=True,
                           tables=(CreditNote.__tablename__,)))


def _credited_totals(ids: tuple[int, ...]) -> dict[int, Decimal]:
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
    """File what was paid of the order before this invoice under it: payments taken before the order was
    invoiced, and those of a version credited since. What they paid beyond what this version bills is
    given back to their payments, the customer's credit (``allocations.apply_credit`` takes it further)."""
    if order.id not in paid_totals([order.id]):
        return  # no allocation to the order stands (what was paid of it, asked already this unit of work)
    closed = select(Invoice.id).where(Invoice.order_id == order.id,
                                      Invoice.status.in_((InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED)))
    earlier = list(db.session.execute(
        select(PaymentAllocation).where(
            PaymentAllocation.order_id == order.id, PaymentAllocation.reversed_at.is_(None),
            or_(PaymentAllocation.invoice_id.is_(None), PaymentAllocation.invoice_id.in_(closed)))
        .order_by(PaymentAllocation.id)).scalars())
    room = invoice.total
    for allocation in earlier:
        allocation.invoice_id = invoice.id
        if allocation.amount > room:  # a change lowered the order below what was paid
            allocation.amount = room
        room -= allocation.amount


# --- the same in SQL, for queries over many orders and invoices ----------------------------


def paid_on(order_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[Decimal]:
    """SQL: what payments not reversed paid of the order ``order_id`` names (NULL: nothing)."""
    return (select(func.sum(PaymentAllocation.amount))
            .where(PaymentAllocation.order_id == order_id, PaymentAllocation.reversed_at.is_(None))
            .scalar_subquery())


def owing() -> ColumnElement[bool]:
    """SQL: the order still owes something, as ``balance`` says of it, for queries over many orders."""
    received = paid_on(Order.id)
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
    return type_coerce(func.coalesce(paid_on(Invoice.order_id), ZERO), Money())


def outstanding_on_invoice() -> ColumnElement[Decimal]:
    """What is still owed on an invoice, as ``balances`` computes it, in SQL (the list joins ``Order``)."""
    owed = Order.total - credited_on_order() - paid_on_invoice()
    closed = Invoice.status.in_((InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED))
    return type_coerce(case((closed, ZERO), (Order.status.in_(UNSETTLED), ZERO),
                            (owed > ZERO, owed), else_=ZERO), Money())
