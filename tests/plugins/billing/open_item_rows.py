"""Open items for invoices a test inserted in bulk (``clones``, ``insert(Invoice)``) rather than through the
services that post them: one row per invoice, of what it owes, in one statement."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, insert, literal, select, update

from core.extensions import db
from core.models import Order
from plugins.billing.receivables.models import EntryKind, OpenItemEntry
from plugins.billing.invoices.models import Invoice
from plugins.billing.payments.ledger import ZERO, outstanding_on_invoice


def post_missing(company_id: int, on: date) -> None:
    """Give each of the company's invoices without open items one, of its balance, posted ``on``."""
    owed = outstanding_on_invoice()
    without = ~select(OpenItemEntry.id).where(OpenItemEntry.invoice_id == Invoice.id).exists()
    db.session.execute(insert(OpenItemEntry).from_select(
        ["company_id", "customer_id", "salesperson_id", "order_id", "invoice_id", "currency", "due_date",
         "posted_on", "kind", "amount"],
        select(Invoice.company_id, Order.customer_id, Order.created_by_id, Invoice.order_id, Invoice.id,
               Invoice.currency, Invoice.due_date, literal(on, Date()), literal(EntryKind.ISSUED.value), owed)
        .join(Order, Order.id == Invoice.order_id)
        .where(Invoice.company_id == company_id, without, owed > ZERO)))


def falls_due(invoice: Invoice, day: date) -> None:
    """Give an issued invoice another due date, as if its terms had said so: the tests' way to make it
    overdue without waiting. Billing never moves a due date after issue; its open items carry it too."""
    invoice.due_date = day
    db.session.execute(update(OpenItemEntry).where(OpenItemEntry.invoice_id == invoice.id).values(due_date=day))
