"""What customers owe on their invoices: the invoice list's summary and review's credit checks (credit hold:
``collection.hold``)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from core.contracts import Receivables as CustomerReceivables
from core.extensions import db
from core.models import Company, Customer, Order, User
from core.orders import money
from plugins.billing.dates import company_today, local_date
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.invoices.services import balances, visible_invoices
from plugins.billing.payments.ledger import ZERO, credited_totals, paid_totals


@dataclass
class Receivables:
    """What the company's open invoices still bring in, in one currency."""

    currency: str
    open_count: int = 0
    outstanding: Decimal = ZERO
    overdue_count: int = 0
    overdue: Decimal = ZERO


def receivables_summary(user: User) -> list[Receivables]:
    """Outstanding and overdue amounts of the open invoices, per currency."""
    today = company_today(user.company_id)
    invoices = list(db.session.execute(
        visible_invoices(user).where(Invoice.status == InvoiceStatus.ISSUED)).scalars())
    by_currency: dict[str, Receivables] = {}
    for row in balances(invoices, today):
        if row.outstanding <= ZERO:
            continue
        summary = by_currency.setdefault(row.invoice.currency, Receivables(row.invoice.currency))
        summary.open_count += 1
        summary.outstanding += row.outstanding
        if row.overdue:
            summary.overdue_count += 1
            summary.overdue += row.outstanding
    return [by_currency[currency] for currency in sorted(by_currency)]


def customer_receivables(company: Company, customer: Customer) -> CustomerReceivables:
    """What the customer owes on issued invoices, what of it is overdue, and how often they paid late."""
    invoices = list(db.session.execute(
        select(Invoice).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.company_id == company.id, Order.customer_id == customer.id,
               Invoice.status.not_in((InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED)))
        .options(lazyload(Invoice.order))
    ).scalars())
    paid = paid_totals(invoice.order_id for invoice in invoices)
    credited = credited_totals(invoice.order_id for invoice in invoices)
    today = company.today()
    outstanding_total = overdue = ZERO
    late = 0
    for invoice in invoices:
        owed = max(invoice.total - credited.get(invoice.order_id, ZERO) - paid.get(invoice.order_id, ZERO), ZERO)
        outstanding_total += owed
        if owed > ZERO and invoice.due_date < today:
            overdue += owed
            late += 1
        elif invoice.paid_at is not None and local_date(invoice.paid_at, company.zone) > invoice.due_date:
            late += 1
    return CustomerReceivables(outstanding=money(outstanding_total), overdue=money(overdue), late_payments=late,
                               currency=company.currency)
