"""Invoices: issued from the order's totals by its payment terms, cancelled with the order, listed.

An order has one invoice, issued from the order's totals: on approval for
prepayment orders (the customer pays against it before production starts), on
delivery for cash-on-delivery and monthly orders. What was paid against it is
read from ``payments.ledger``. Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from core import audit, outbox
from core.db import flush, page_of
from core.errors import TransitionError
from core.extensions import db
from core.keyset import Keyset, Kind
from core.models import Company, Customer, Order, OrderStatus, PaymentTerms, User, utcnow
from core.orders.queries import visible_to
from plugins.billing.dates import company_today, company_zone, end_of_following_month, local_date
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.ledger import (
    ZERO, attach_earlier_payments, balance, outstanding_on_invoice, paid_total, paid_totals,
)

# An order is invoiced from approval on, until it is settled or after.
INVOICEABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED,
                         OrderStatus.DELIVERED, OrderStatus.COMPLETED})


def due_date(order: Order, issued_at: datetime, zone: ZoneInfo) -> date:
    """When the invoice falls due under the order's payment terms."""
    issue_day = local_date(issued_at, zone)
    delivery_day = local_date(order.delivered_at, zone) if order.delivered_at else issue_day
    if order.payment_terms == PaymentTerms.CASH_ON_DELIVERY:
        return delivery_day
    if order.payment_terms == PaymentTerms.MONTHLY:
        return end_of_following_month(delivery_day)
    return issue_day  # prepayment: due before anything is produced


def invoice_for(order: Order) -> Invoice | None:
    # The order is at hand: joining it again would reload its lines.
    return db.session.execute(
        select(Invoice).where(Invoice.order_id == order.id).options(lazyload(Invoice.order))
    ).scalar_one_or_none()


def issue_invoice(order: Order, *, actor: User | None = None) -> Invoice:
    """Issue the order's invoice from its totals; an order has one, so a second call returns it."""
    existing = invoice_for(order)
    if existing is not None:
        return existing
    if order.status not in INVOICEABLE:
        raise TransitionError(_("order %(number)s is %(status)s; it cannot be invoiced",
                                number=order.display_number, status=order.status.value))
    zone = company_zone(order.company_id)
    issued_at = utcnow()
    paid = paid_total(order)
    invoice = Invoice(
        company_id=order.company_id, order_id=order.id, number=f"INV-{order.display_number}",
        currency=order.currency, subtotal=order.subtotal, tax_total=order.tax_total, total=order.total,
        issued_at=issued_at, due_date=due_date(order, issued_at, zone), status=InvoiceStatus.ISSUED,
    )
    if paid >= order.total:  # settled in advance, e.g. a cash-on-delivery order paid early
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = order.paid_in_full_at or issued_at
    db.session.add(invoice)
    flush()
    attach_earlier_payments(order, invoice)
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="invoice", entity_id=invoice.id,
        action="invoice_issued", actor=actor,
        after={"number": invoice.number, "total": str(invoice.total), "currency": invoice.currency,
               "due_date": invoice.due_date.isoformat(), "status": invoice.status.value},
    )
    _notify_customer(order, invoice, paid)
    return invoice


def _notify_customer(order: Order, invoice: Invoice, paid: Decimal) -> None:
    """Queue the invoice email; the outbox sends it once the transaction commits."""
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        return
    outbox.send_email("billing/invoices/invoice_email.txt", recipient, company_id=order.company_id,
                      kind="invoice_issued", order_id=order.id, order=order, invoice=invoice,
                      owed=balance(order, paid), company=db.session.get_one(Company, order.company_id))


def cancel_invoice(order: Order, reason: str) -> Invoice | None:
    """An order cancelled before it was settled no longer owes its invoice."""
    invoice = invoice_for(order)
    if invoice is None or invoice.status != InvoiceStatus.ISSUED:
        return invoice
    invoice.status = InvoiceStatus.CANCELLED
    audit.record(company_id=order.company_id, order_id=order.id, entity="invoice", entity_id=invoice.id,
                 action="invoice_cancelled", actor=None, before={"status": InvoiceStatus.ISSUED.value},
                 after={"status": invoice.status.value}, note=reason)
    return invoice


def mark_paid(invoice: Invoice, at: datetime, actor: User | None) -> None:
    """The invoice is paid in full (at ``at``); an invoice not waiting for payment stays as it is."""
    if invoice.status != InvoiceStatus.ISSUED:
        return
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = at
    audit.record(company_id=invoice.company_id, order_id=invoice.order_id, entity="invoice",
                 entity_id=invoice.id, action="invoice_paid", actor=actor,
                 before={"status": InvoiceStatus.ISSUED.value}, after={"status": invoice.status.value})


# --- lists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceBalance:
    """An invoice with what was paid and what is still owed on its order."""

    invoice: Invoice
    paid: Decimal
    outstanding: Decimal
    overdue: bool


def balances(invoices: list[Invoice], today: date) -> list[InvoiceBalance]:
    paid = paid_totals(invoice.order_id for invoice in invoices)
    rows = []
    for invoice in invoices:
        received = paid.get(invoice.order_id, ZERO)
        owed = ZERO if invoice.status == InvoiceStatus.CANCELLED else balance(invoice.order, received)
        rows.append(InvoiceBalance(invoice, received, owed, owed > ZERO and invoice.due_date < today))
    return rows


def overdue_condition(user: User) -> ColumnElement[bool]:
    """The invoices still owed past their due date, in the user's company's today."""
    return and_(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date < company_today(user.company_id),
                outstanding_on_invoice() > ZERO)


def visible_invoices(user: User) -> Select[Invoice]:
    """The invoices ``user`` may see, joined to their orders."""
    # The orders' rule: a customer user sees the invoices of their own customer's orders only.
    return (select(Invoice).join(Order, Invoice.order_id == Order.id)
            .where(Invoice.company_id == user.company_id, visible_to(user)))


# The invoice list's order, newest first.
NEWEST_INVOICES_FIRST = Keyset(Invoice.id, Invoice.issued_at, Kind.DATETIME, descending=True)


def search_invoices(
    user: User,
    *,
    order_id: int | None = None,
    status: InvoiceStatus | None = None,
    customer_id: int | None = None,
    number: str | None = None,
    overdue: bool = False,
    page: int | None = None,
    per_page: int = 25,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the company's invoices (a customer user's own only), newest first (``core.db.page_of``).

    Each invoice comes with what its row shows of its order and customer, read by the
    list's own join: a page is the same few statements whatever its size.
    """
    today = company_today(user.company_id)
    order = contains_eager(Invoice.order)
    query = visible_invoices(user).options(
        order.load_only(Order.id, Order.number, Order.customer_id, Order.total, Order.status),
        order.joinedload(Order.customer).load_only(Customer.id, Customer.name),
        order.lazyload(Order.lines), order.lazyload(Order.module_rows))
    if order_id is not None:
        query = query.where(Invoice.order_id == order_id)
    if status is not None:
        query = query.where(Invoice.status == status)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if number:
        query = query.where(or_(Invoice.number.contains(number), Order.number.contains(number)))
    if overdue:
        query = query.where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date < today)
    found = page_of(query, NEWEST_INVOICES_FIRST, page=page, per_page=per_page, cursor=cursor)
    return {**found, "items": balances(found["items"], today)}
