"""Invoices: issued from the order's lines by its payment terms, cancelled with the order, listed.

An order is invoiced once, from its lines: on approval for prepayment orders
(the customer pays against it before production starts), on delivery for
cash-on-delivery and monthly orders. An invoice is never edited after issue: a
change credits it and issues its next version (``credit_notes``); the latest
version is the order's invoice. Each version keeps its own lines and the buyer
as the order named them then, so its PDF prints what was sent.

Amounts follow Chinese VAT practice, in the core's one place
(``core.orders.totals``): each line's amount before tax is quantity × unit
price rounded half up to the cent, its tax is that amount × the line's rate
rounded half up to the cent; the invoice's amount before tax and its tax are the
sums of the rounded lines, its total their sum. What was paid against it is read
from ``payments.ledger``. Nothing here commits.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, insert, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from core import audit, documents, outbox
from core.contracts import InvoiceIssued
from core.db import flush, page_of
from core.errors import NotFound, TransitionError
from core.extensions import db
from core.keyset import Keyset, Kind
from core.models import Company, Customer, Order, OrderStatus, PaymentTerms, User, utcnow
from core.orders import events
from core.orders.queries import visible_to
from core.orders.totals import LineAmounts, line_amounts, totals
from core.session_memo import remembered
from plugins.billing.receivables import open_items
from plugins.billing.receivables.models import EntryKind
from plugins.billing.dates import company_today, company_zone, end_of_following_month, local_date
from plugins.billing.invoices.fapiao import fapiao_outstanding
from plugins.billing.invoices.models import INVOICE_DOCUMENT, Invoice, InvoiceLine, InvoiceStatus
from plugins.billing.invoices.numbering import NumberedKind, next_number
from plugins.billing.payments.ledger import (
    ZERO, attach_earlier_payments, balance, credited_totals, outstanding, outstanding_on_invoice, paid_totals,
)

# An order is invoiced from approval on, until it is settled or after.
INVOICEABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED,
                         OrderStatus.DELIVERED, OrderStatus.COMPLETED})
# An invoice that bills nothing any more: its order was cancelled, or it was credited and re-issued.
CLOSED = frozenset({InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED})
# What an invoice keeps of the order it bills, as the order named it at issue.
BUYER_FIELDS = ("contact", "phone", "delivery_address", "customer_reference", "payment_terms", "invoice_type",
                "invoice_title", "invoice_tax_id", "invoice_bank_account", "invoice_address_phone",
                "invoice_requirements")


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
    """The order's invoice: its latest version, or None before it is invoiced.

    Read once per unit of work until an invoice is written (``core.session_memo``): the document's GET, a
    payment and the answers that follow each ask it more than once.
    """
    return remembered(("billing.invoice", order.id), lambda: _latest_invoice(order.id), autoflush=True,
                      tables=(Invoice.__tablename__,))


def _latest_invoice(order_id: int) -> Invoice | None:
    # The order is at hand: joining it again would reload its lines.
    return db.session.execute(
        select(Invoice).where(Invoice.order_id == order_id).order_by(Invoice.version.desc()).limit(1)
        .options(lazyload(Invoice.order))
    ).scalar_one_or_none()


def versions_of(order: Order) -> list[Invoice]:
    """Every version of the order's invoice, the first first."""
    return list(db.session.execute(
        select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.version)
        .options(lazyload(Invoice.order))
    ).scalars())


def line_rows(order: Order) -> list[dict[str, Any]]:
    """The order's lines as an invoice bills them: tax per line, each amount rounded per line."""
    rows = []
    for line in order.lines:
        amounts = line_amounts(line.quantity, line.unit_price, line.tax_rate)
        rows.append({"line_no": line.line_no, "order_line_id": line.id, "description": line.description,
                     "specification": line.specification, "unit": line.unit, "quantity": line.quantity,
                     "unit_price": line.unit_price, "tax_rate": line.tax_rate, "net_amount": amounts.net_amount,
                     "tax_amount": amounts.tax_amount, "amount": amounts.amount})
    return rows


def buyer_of(order: Order) -> dict[str, Any]:
    """The buyer and the terms as the order names them now, as text, for an invoice to keep."""
    customer = order.customer
    buyer: dict[str, Any] = {"name": customer.name, "address": customer.address}
    for name in BUYER_FIELDS:
        value = getattr(order, name)
        buyer[name] = value.value if isinstance(value, enum.Enum) else value
    buyer["contact"] = buyer["contact"] or customer.contact
    buyer["phone"] = buyer["phone"] or customer.phone
    return buyer


def issue_invoice(order: Order, *, actor: User | None = None, issued_at: datetime | None = None) -> Invoice:
    """Issue the order's invoice from its lines; an order is invoiced once, so a second call returns it.
    ``issued_at``: the invoice's date when it is not now (the monthly statement's invoices are dated on its
    statement day)."""
    existing = invoice_for(order)
    if existing is not None:
        return existing
    if order.status not in INVOICEABLE:
        raise TransitionError(_("order %(number)s is %(status)s; it cannot be invoiced",
                                number=order.display_number, status=order.status.value))
    return issue_version(order, actor=actor, issued_at=issued_at)


def issue_version(order: Order, *, replaces: Invoice | None = None, actor: User | None = None,
                  issued_at: datetime | None = None) -> Invoice:
    """Issue a version of the order's invoice from its lines as they are now: the first, or the one after
    ``replaces`` (already credited). The same few statements however many lines the order has."""
    zone = company_zone(order.company_id)
    issued_at = issued_at or utcnow()
    rows = line_rows(order)
    sums = totals(LineAmounts(row["net_amount"], row["tax_amount"], row["amount"]) for row in rows)
    invoice = Invoice(
        company_id=order.company_id, order_id=order.id, version=replaces.version + 1 if replaces else 1,
        replaces_id=replaces.id if replaces else None,
        number=next_number(order.company_id, NumberedKind.INVOICE, issued_at), currency=order.currency,
        subtotal=sums.subtotal, tax_total=sums.tax_total, total=sums.total, issued_at=issued_at,
        due_date=replaces.due_date if replaces else due_date(order, issued_at, zone),
        status=InvoiceStatus.ISSUED, buyer=buyer_of(order),
    )
    if outstanding(order) <= ZERO:  # settled in advance, e.g. a cash-on-delivery order paid early
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = order.paid_in_full_at or issued_at
    db.session.add(invoice)
    flush()
    if rows:
        db.session.execute(insert(InvoiceLine), [{**row, "invoice_id": invoice.id} for row in rows])
    attach_earlier_payments(order, invoice)
    # Without ``replaces`` (``issue_invoice``: the order has no invoice yet), this is the order's first invoice.
    open_items.post([order], EntryKind.ISSUED, issued_at, first=invoice if replaces is None else None)
    issued = InvoiceIssued(number=invoice.number, version=invoice.version, amount=invoice.total,
                           currency=invoice.currency, issued_at=issued_at, due_date=invoice.due_date,
                           replaces=replaces.number if replaces else None)
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="invoice", entity_id=invoice.id,
        action="invoice_issued", actor=actor,
        after={"number": invoice.number, "version": invoice.version, "total": str(invoice.total),
               "currency": invoice.currency, "due_date": invoice.due_date.isoformat(),
               "status": invoice.status.value,
               InvoiceIssued.hook: issued.as_record()},  # as notified: ``ordo kpi rebuild`` reads it back
    )
    # Mostly inside the delivered or order_changed hooks: heard after them, never inside.
    events.notify(order, InvoiceIssued.hook, invoice=issued)
    documents.render_soon(order, INVOICE_DOCUMENT)  # by the worker, after this commit: not in the flow
    _notify_customer(order, invoice)
    return invoice


def _notify_customer(order: Order, invoice: Invoice) -> None:
    """Queue the invoice email with the invoice's PDF attached; the outbox renders and stores the PDF when it
    sends, after the transaction commits, so issuing the invoice renders nothing."""
    recipient = outbox.to_customer(order.customer)
    if recipient is None:
        return
    outbox.send_email("billing/invoices/invoice_email.txt", recipient, company_id=order.company_id,
                      kind="invoice_issued", order_id=order.id, order=order, invoice=invoice,
                      attachments=[outbox.DocumentRef(order, INVOICE_DOCUMENT, f"{invoice.number}.pdf")],
                      owed=outstanding(order), company=db.session.get_one(Company, order.company_id))


def cancel_invoice(order: Order, reason: str) -> Invoice | None:
    """An order cancelled before it was settled no longer owes its invoice."""
    invoice = invoice_for(order)
    if invoice is None or invoice.status != InvoiceStatus.ISSUED:
        return invoice
    invoice.status = InvoiceStatus.CANCELLED
    open_items.post([order], EntryKind.CLOSED)
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


def reopen(invoice: Invoice, actor: User | None) -> None:
    """A paid invoice owes again (a payment of it was reversed)."""
    if invoice.status != InvoiceStatus.PAID:
        return
    invoice.status = InvoiceStatus.ISSUED
    invoice.paid_at = None
    audit.record(company_id=invoice.company_id, order_id=invoice.order_id, entity="invoice",
                 entity_id=invoice.id, action="invoice_reopened", actor=actor,
                 before={"status": InvoiceStatus.PAID.value}, after={"status": invoice.status.value})


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
    credited = credited_totals(invoice.order_id for invoice in invoices)
    rows = []
    for invoice in invoices:
        received = paid.get(invoice.order_id, ZERO)
        owed = (ZERO if invoice.status in CLOSED
                else balance(invoice.order, received, credited.get(invoice.order_id, ZERO)))
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


def get_invoice(user: User, invoice_id: int) -> Invoice:
    """An invoice ``user`` may see; NotFound otherwise (another company's, another customer's)."""
    invoice = db.session.execute(visible_invoices(user).where(Invoice.id == invoice_id)).scalar_one_or_none()
    if invoice is None:
        raise NotFound(_("invoice %(id)s does not exist", id=invoice_id))
    return invoice


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
    without_fapiao: bool = False,
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
    if without_fapiao:
        query = query.where(fapiao_outstanding())
    found = page_of(query, NEWEST_INVOICES_FIRST, page=page, per_page=per_page, cursor=cursor)
    return {**found, "items": balances(found["items"], today)}
