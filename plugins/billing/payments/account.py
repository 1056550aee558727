"""A customer's account: their invoices and what each still owes, their payments and what each paid,
their credit and their balance, per currency; read by staff who see billing and by the customer's own
users. The same few queries however many invoices and payments the customer has. Nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, lazyload, selectinload

from core.errors import NotFound
from core.extensions import db
from core.models import Customer, Order, User
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from core.orders import money
from plugins.billing.payments.allocations import Owed, owed_on, taken_of_payment, unallocated
from plugins.billing.payments.ledger import ZERO
from plugins.billing.payments.models import BillingPayment

# The account lists the newest invoices and payments up to this many each; the sums cover them all.
LISTED = 50


@dataclass
class Totals:
    """What one currency of the account comes to: owed on open invoices, the credit, the balance."""

    currency: str
    outstanding: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        """What the customer owes, their credit taken off (negative: the company owes them)."""
        return self.outstanding - self.credit


@dataclass
class Account:
    customer: Customer
    invoices: list[Owed]
    payments: list[tuple[BillingPayment, Decimal]]  # each with what of it is still unallocated
    totals: list[Totals] = field(default_factory=list)


def get_account_customer(user: User, customer_id: int) -> Customer:
    """The customer whose account ``user`` may read: one of their company's, their own if a customer user."""
    customer = db.session.get(Customer, customer_id)
    if (customer is None or customer.company_id != user.company_id
            or (user.customer_id is not None and user.customer_id != customer.id)):
        raise NotFound(_("customer %(id)s does not exist", id=customer_id), field="customer_id")
    return customer


def customer_account(customer: Customer) -> Account:
    """The customer's account: open invoices (all of them) and the latest others, the latest payments, and
    per currency what is outstanding, their credit and their balance."""
    base = (select(Invoice).join(Order, Invoice.order_id == Order.id)
            .where(Invoice.company_id == customer.company_id, Order.customer_id == customer.id,
                   Invoice.status != InvoiceStatus.CREDITED)
            # Each row links its order: the order's number in the same statement, not its lines.
            .options(contains_eager(Invoice.order).load_only(Order.id, Order.number, Order.customer_id)))
    open_ones = list(db.session.execute(
        base.where(Invoice.status == InvoiceStatus.ISSUED).order_by(Invoice.due_date, Invoice.id)).scalars())
    settled = list(db.session.execute(
        base.where(Invoice.status != InvoiceStatus.ISSUED).order_by(Invoice.issued_at.desc(), Invoice.id.desc())
        .limit(LISTED)).scalars())
    owed = owed_on(open_ones) + [Owed(invoice, ZERO) for invoice in settled]
    payments = list(db.session.execute(
        select(BillingPayment).where(BillingPayment.company_id == customer.company_id,
                                     BillingPayment.customer_id == customer.id)
        .order_by(BillingPayment.received_at.desc(), BillingPayment.id.desc()).limit(LISTED)
        .options(selectinload(BillingPayment.allocations), lazyload(BillingPayment.recorded_by))).scalars())
    credit_rows = _credit_by_currency(customer)
    left = unallocated(payment.id for payment in payments)
    totals: dict[str, Totals] = {}
    for row in owed[:len(open_ones)]:
        totals.setdefault(row.invoice.currency, Totals(row.invoice.currency)).outstanding += row.owed
    for currency, credit in credit_rows.items():
        totals.setdefault(currency, Totals(currency)).credit += credit
    return Account(customer, owed, [(payment, left.get(payment.id, ZERO)) for payment in payments],
                   [totals[currency] for currency in sorted(totals)])


def _credit_by_currency(customer: Customer) -> dict[str, Decimal]:
    """The customer's credit per currency, over all their payments, in one query."""
    rows = db.session.execute(
        select(BillingPayment.currency, func.sum(BillingPayment.amount - taken_of_payment()))
        .where(BillingPayment.company_id == customer.company_id, BillingPayment.customer_id == customer.id,
               BillingPayment.reversed_at.is_(None))
        .group_by(BillingPayment.currency))
    return {currency: money(Decimal(total)) for currency, total in rows if money(Decimal(total)) > ZERO}
