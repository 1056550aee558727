"""What customers owe on their invoices: the invoice list's summary and review's credit checks (credit hold:
``collection.hold``).

Each is one or two aggregate queries over the open items (``receivables.open_items``): what each
invoice owes is the sum of its rows, whatever the number of invoices.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

from core.contracts import Receivables as CustomerReceivables
from core.extensions import db
from core.models import Company, Customer, User
from core.orders import money
from plugins.billing.receivables.models import EntryKind, OpenItemEntry
from plugins.billing.receivables.open_items import open_invoices
from plugins.billing.dates import company_today
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.ledger import ZERO


@dataclass
class Receivables:
    """What the company's open invoices still bring in, in one currency."""

    currency: str
    open_count: int = 0
    outstanding: Decimal = ZERO
    overdue_count: int = 0
    overdue: Decimal = ZERO


def _amount(value: Decimal | float | None) -> Decimal:
    return money(Decimal(str(value))) if value is not None else ZERO


def receivables_summary(user: User) -> list[Receivables]:
    """Outstanding and overdue amounts of the open invoices (a customer user's own only), per currency."""
    today = company_today(user.company_id)
    owing = open_invoices(user.company_id, customer_id=user.customer_id)
    overdue = owing.c.due_date < today
    rows = db.session.execute(
        select(owing.c.currency, func.count(), func.sum(owing.c.open),
               func.sum(case((overdue, 1), else_=0)), func.sum(case((overdue, owing.c.open), else_=ZERO)))
        .group_by(owing.c.currency).order_by(owing.c.currency))
    return [Receivables(currency, int(count), _amount(total), int(late or 0), _amount(late_total))
            for currency, count, total, late, late_total in rows]


def customer_receivables(company: Company, customer: Customer) -> CustomerReceivables:
    """What the customer owes on issued invoices, what of it is overdue, and how often they paid late: an
    invoice still owed past its due date, or paid in full by a payment received after it."""
    today = company.today()
    owing = open_invoices(company.id, customer_id=customer.id)
    overdue = owing.c.due_date < today
    last_paid = (select(OpenItemEntry.invoice_id, func.max(OpenItemEntry.posted_on).label("paid_on"))
                 .where(OpenItemEntry.company_id == company.id, OpenItemEntry.customer_id == customer.id,
                        OpenItemEntry.kind == EntryKind.PAYMENT)
                 .group_by(OpenItemEntry.invoice_id).subquery())
    paid_late_count = (select(func.count()).select_from(Invoice).join(last_paid, last_paid.c.invoice_id == Invoice.id)
                       .where(Invoice.status == InvoiceStatus.PAID, last_paid.c.paid_on > Invoice.due_date))
    # One statement: the open invoices' sums, and the count of those paid late a column of the same row.
    total, late_total, late, paid_late = db.session.execute(
        select(func.sum(owing.c.open), func.sum(case((overdue, owing.c.open), else_=ZERO)),
               func.sum(case((overdue, 1), else_=0)), paid_late_count.scalar_subquery())).one()
    return CustomerReceivables(outstanding=_amount(total), overdue=_amount(late_total),
                               late_payments=int(late or 0) + int(paid_late), currency=company.currency)
