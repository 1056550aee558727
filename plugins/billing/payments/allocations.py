"""What a payment may pay: what each invoice still owes, the oldest-first suggestion, the customer's credit.

An invoice still owes its total, less what payments not reversed allocated to
it, less what credit notes took back of it (``credit_notes.credited_on``); a
cancelled or credited invoice owes nothing and takes no payment. What of a
payment no allocation takes is the customer's credit (``credit_left``). Every
function reads a whole list in a fixed number of queries. Nothing here writes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_, type_coerce
from sqlalchemy.orm import contains_eager, lazyload

from core.extensions import db
from core.models import Customer, Order, OrderStatus
from core.models.types import Money
from core.orders import money
from plugins.billing.invoices.credit_notes import credited_on
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.ledger import ZERO
from plugins.billing.payments.models import BillingPayment, PaymentAllocation

# An order takes a payment from approval until it is settled.
PAYABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED, OrderStatus.DELIVERED})
CLOSED = frozenset({InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED})
# Open invoices the suggestion reads at a time, oldest due first, until the payment is taken.
SUGGEST_CHUNK = 50


@dataclass(frozen=True)
class Owed:
    """An invoice and what it still owes."""

    invoice: Invoice
    owed: Decimal


def allocated_on(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What payments not reversed allocated to each invoice, in one query."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount))
        .where(PaymentAllocation.invoice_id.in_(ids), PaymentAllocation.reversed_at.is_(None))
        .group_by(PaymentAllocation.invoice_id))
    return {invoice_id: money(Decimal(total)) for invoice_id, total in rows if invoice_id is not None}


def owed_on(invoices: list[Invoice]) -> list[Owed]:
    """What each invoice still owes: its total less its allocations and its credit notes, in two queries."""
    ids = [invoice.id for invoice in invoices]
    allocated, credited = allocated_on(ids), credited_on(ids)
    return [Owed(invoice, ZERO if invoice.status in CLOSED or invoice.status == InvoiceStatus.PAID else
                 max(invoice.total - allocated.get(invoice.id, ZERO) - credited.get(invoice.id, ZERO), ZERO))
            for invoice in invoices]


def _with_orders(query: Select[Invoice]) -> Select[Invoice]:
    """The invoices' orders in the same statement, without their lines."""
    order = contains_eager(Invoice.order)
    return (query.join(Order, Invoice.order_id == Order.id)
            .options(order.lazyload(Order.lines), order.lazyload(Order.module_rows), order.lazyload(Order.customer)))


def invoices_by_id(company_id: int, invoice_ids: Iterable[int]) -> dict[int, Invoice]:
    """The company's invoices of those ids, with their orders, in one query (another company's are absent)."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    found = db.session.execute(_with_orders(select(Invoice)).where(
        Invoice.company_id == company_id, Invoice.id.in_(ids))).scalars()
    return {invoice.id: invoice for invoice in found}


def open_invoices(customer: Customer, currency: str, amount: Decimal) -> list[Owed]:
    """The customer's invoices still owing in ``currency``, oldest due first (then oldest issued), as many as
    ``amount`` pays: what the suggestion pays first. Read SUGGEST_CHUNK at a time (two queries a chunk), so a
    payment costs what the invoices it pays cost, not every open invoice of a long account."""
    oldest_first = (Invoice.due_date, Invoice.issued_at, Invoice.id)
    query = _with_orders(select(Invoice)).where(
        Invoice.company_id == customer.company_id, Order.customer_id == customer.id,
        Invoice.currency == currency, Invoice.status == InvoiceStatus.ISSUED, Order.status.in_(PAYABLE))
    owing: list[Owed] = []
    left = amount
    while left > ZERO:
        chunk = list(db.session.execute(query.order_by(*oldest_first).limit(SUGGEST_CHUNK)).scalars())
        rows = [row for row in owed_on(chunk) if row.owed > ZERO]
        owing += rows
        left -= sum((row.owed for row in rows), ZERO)
        if len(chunk) < SUGGEST_CHUNK:
            break
        last = chunk[-1]
        query = query.where(tuple_(*oldest_first) > tuple_(
            literal(last.due_date, Invoice.due_date.type), literal(last.issued_at, Invoice.issued_at.type),
            literal(last.id, Invoice.id.type)))
    return owing


def suggest(amount: Decimal, owing: list[Owed]) -> list[tuple[Invoice, Decimal]]:
    """The suggestion: ``amount`` pays the invoices in the order given (oldest due first), each in full
    while it lasts; what is left over is the customer's credit."""
    plan = []
    left = amount
    for row in owing:
        if left <= ZERO:
            break
        share = min(left, row.owed)
        plan.append((row.invoice, share))
        left -= share
    return plan


def taken_of_payment() -> ColumnElement[Decimal]:
    """SQL: what allocations not reversed take of the payment in the query (``BillingPayment``)."""
    return type_coerce(select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
                       .where(PaymentAllocation.payment_id == BillingPayment.id,
                              PaymentAllocation.reversed_at.is_(None))
                       .scalar_subquery(), Money())


def unallocated(payment_ids: Iterable[int]) -> dict[int, Decimal]:
    """What of each payment (not reversed) no allocation takes, in one query; a payment fully allocated
    is absent."""
    ids = list(payment_ids)
    if not ids:
        return {}
    taken = taken_of_payment()
    rows = db.session.execute(select(BillingPayment.id, BillingPayment.amount - taken).where(
        BillingPayment.id.in_(ids), BillingPayment.reversed_at.is_(None)))
    return {payment_id: money(Decimal(left)) for payment_id, left in rows if money(Decimal(left)) > ZERO}


def unallocated_of(payment: BillingPayment) -> Decimal:
    """``unallocated`` of a payment in hand, from its allocations (loaded, and listed by whoever asks): zero when
    it is reversed or fully allocated."""
    if payment.reversed_at is not None:
        return ZERO
    left = payment.amount - sum((row.amount for row in payment.allocations if row.reversed_at is None), ZERO)
    return left if left > ZERO else ZERO


def credit_payments(customer: Customer, currency: str) -> list[tuple[BillingPayment, Decimal]]:
    """The customer's payments in ``currency`` with something left to allocate, oldest first, and what."""
    taken = taken_of_payment()
    left = BillingPayment.amount - taken
    rows = db.session.execute(select(BillingPayment, left).where(
        BillingPayment.company_id == customer.company_id, BillingPayment.customer_id == customer.id,
        BillingPayment.currency == currency, BillingPayment.reversed_at.is_(None), left > Decimal("0.005"))
        .order_by(BillingPayment.received_at, BillingPayment.id)
        .options(lazyload(BillingPayment.recorded_by))).all()
    return [(payment, money(Decimal(rest))) for payment, rest in rows]


def credit_left(customer: Customer, currency: str) -> Decimal:
    """The customer's credit in ``currency``: what of their payments no allocation takes."""
    return sum((rest for _payment, rest in credit_payments(customer, currency)), ZERO)
