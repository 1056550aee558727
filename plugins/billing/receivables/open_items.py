"""Keep the open items: after anything that moves what an invoice owes, post the change as a dated row.

The billing services call ``post`` once, in their own transaction, after they
issued an invoice (or its next version), a credit note, allocated or reversed a
payment, or credited or cancelled a version. ``post`` compares what each of the
orders' invoice versions owes now, as ``invoices.services.balances`` computes it
(the order's total, less its case credits, less what was paid; nothing on a
closed version or an order that will not be settled), with the sum of its rows,
and appends the difference. So the rows sum to the balance by construction,
whatever path the money took (a prepayment filed under the invoice at issue, an
allocation lowered to what a change left); each row is the effect of one event.

``differences`` checks that: the invoices whose rows do not sum to their balance.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Subquery, func, insert, select, type_coerce

from core.extensions import db
from core.models import Order, utcnow
from core.models.types import Money
from core.orders import money
from plugins.billing.receivables.models import EntryKind, OpenItemEntry
from plugins.billing.dates import company_zone, local_date
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.ledger import (
    HALF_CENT, ZERO, balance, credited_totals, outstanding_on_invoice, paid_totals,
)

CLOSED = frozenset({InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED})


def open_sums(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What the rows of each invoice add up to, in one query."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(OpenItemEntry.invoice_id, func.sum(OpenItemEntry.amount))
        .where(OpenItemEntry.invoice_id.in_(ids)).group_by(OpenItemEntry.invoice_id))
    return {invoice_id: money(Decimal(total)) for invoice_id, total in rows}


def post(orders: Iterable[Order], kind: EntryKind, at: datetime | None = None) -> None:
    """Append, for each invoice version of ``orders`` whose balance moved, a row of the change, posted on
    ``at``'s day (default now) in the company's zone. A closed version's last row is ``CLOSED``.
    A few statements for any number of orders."""
    by_id = {order.id: order for order in orders}
    if not by_id:
        return
    db.session.flush()
    invoices = list(db.session.execute(
        select(Invoice).where(Invoice.order_id.in_(by_id)).order_by(Invoice.id)).scalars())
    if not invoices:
        return
    paid = paid_totals(by_id)
    credited = credited_totals(by_id)
    posted = open_sums(invoice.id for invoice in invoices)
    moment = at or utcnow()
    rows = []
    for invoice in invoices:
        order = by_id[invoice.order_id]
        owed = (ZERO if invoice.status in CLOSED
                else balance(order, paid.get(order.id, ZERO), credited.get(order.id, ZERO)))
        change = owed - posted.get(invoice.id, ZERO)
        if abs(change) < HALF_CENT:
            continue
        rows.append({
            "company_id": invoice.company_id, "customer_id": order.customer_id,
            "salesperson_id": order.created_by_id, "order_id": order.id, "invoice_id": invoice.id,
            "currency": invoice.currency, "due_date": invoice.due_date,
            "posted_on": local_date(moment, company_zone(invoice.company_id)),
            "kind": EntryKind.CLOSED if invoice.status in CLOSED else kind, "amount": money(change),
        })
    if rows:
        db.session.execute(insert(OpenItemEntry), rows)


def differences(company_id: int) -> list[tuple[int, Decimal, Decimal]]:
    """The company's invoices whose rows do not add up to their balance: (invoice id, rows' sum, balance),
    in one query; none when the open items are right."""
    rows_sum = type_coerce(func.coalesce(
        select(func.sum(OpenItemEntry.amount)).where(OpenItemEntry.invoice_id == Invoice.id)
        .scalar_subquery(), ZERO), Money())
    owed = outstanding_on_invoice()
    found = db.session.execute(
        select(Invoice.id, rows_sum, owed).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.company_id == company_id, func.abs(rows_sum - owed) >= HALF_CENT)
        .order_by(Invoice.id))
    return [(invoice_id, money(Decimal(total)), money(Decimal(due))) for invoice_id, total, due in found]


# --- reading: what is open, summed in the database --------------------------------------------


def open_invoices(company_id: int, *, as_of: date | None = None, customer_id: int | None = None) -> Subquery:
    """SQL: each invoice of the company that owes something (on ``as_of``'s day, default now), with its
    customer, salesperson, currency, due date and what it owes (``open``): its rows summed, one query.
    Grouped in the order of ``ix_billing_open_item_ageing``, which it reads alone."""
    conditions = [OpenItemEntry.company_id == company_id]
    if as_of is not None:
        conditions.append(OpenItemEntry.posted_on <= as_of)
    if customer_id is not None:
        conditions.append(OpenItemEntry.customer_id == customer_id)
    owed = func.sum(OpenItemEntry.amount)
    return (select(OpenItemEntry.invoice_id, OpenItemEntry.customer_id, OpenItemEntry.salesperson_id,
                   OpenItemEntry.currency, OpenItemEntry.due_date, type_coerce(owed, Money()).label("open"))
            .where(*conditions)
            .group_by(OpenItemEntry.invoice_id, OpenItemEntry.customer_id, OpenItemEntry.salesperson_id,
                      OpenItemEntry.currency, OpenItemEntry.due_date)
            .having(owed > HALF_CENT)
            .subquery("open_invoice"))
