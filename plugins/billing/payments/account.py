"""A customer's account: per currency what their open invoices owe (overdue and by age), their credit and
their balance; their open invoices a page at a time, and their latest payments; read by staff who see
billing and by the customer's own users.

The figures are sums in the database over the open items (``receivables.open_items``), the ledger the
invoice list's summary, the ageing report and the credit checks read: one GROUP BY for what is owed, one
for the credit, however many invoices and payments the customer has. The open invoices are a keyset-paged
list (the portal's list view, the API's ``page_of``), never loaded whole. Nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import lazyload, selectinload

from core.db import page_of
from core.errors import NotFound
from core.extensions import db
from core.keyset import Keyset, Kind
from core.models import Customer, Order, User
from core.orders import money
from plugins.billing.dates import company_today
from plugins.billing.invoices.models import Invoice
from plugins.billing.payments.allocations import invoices_by_id, taken_of_payment, unallocated
from plugins.billing.payments.ledger import ZERO
from plugins.billing.payments.models import BillingPayment
from plugins.billing.receivables.ageing import bucket_of
from plugins.billing.receivables.buckets import Bucket, company_buckets
from plugins.billing.receivables.open_items import open_invoices, open_sums

# The account lists the latest payments up to this many; the credit covers them all.
LISTED = 50


@dataclass
class Totals:
    """What one currency of the account comes to: owed on open invoices (of it overdue, and by age), the
    credit, the balance."""

    currency: str
    buckets: tuple[Bucket, ...] = ()
    outstanding: Decimal = ZERO
    open_count: int = 0
    overdue: Decimal = ZERO
    overdue_count: int = 0
    credit: Decimal = ZERO
    ageing: list[Decimal] = field(default_factory=list)  # one figure per bucket, in the buckets' order

    @property
    def balance(self) -> Decimal:
        """What the customer owes, their credit taken off (negative: the company owes them)."""
        return self.outstanding - self.credit

    @property
    def aged(self) -> list[tuple[Bucket, Decimal]]:
        return list(zip(self.buckets, self.ageing, strict=True))


@dataclass
class Account:
    customer: Customer
    today: date
    buckets: tuple[Bucket, ...]
    totals: list[Totals]
    payments: list[tuple[BillingPayment, Decimal]]  # each with what of it is still unallocated


def get_account_customer(user: User, customer_id: int) -> Customer:
    """The customer whose account ``user`` may read: one of their company's, their own if a customer user."""
    customer = db.session.get(Customer, customer_id)
    if (customer is None or customer.company_id != user.company_id
            or (user.customer_id is not None and user.customer_id != customer.id)):
        raise NotFound(_("customer %(id)s does not exist", id=customer_id), field="customer_id")
    return customer


def customer_account(customer: Customer) -> Account:
    """The customer's totals per currency and their latest payments: a fixed few queries."""
    today = company_today(customer.company_id)
    buckets = company_buckets(customer.company_id)
    return Account(customer, today, buckets, account_totals(customer, today, buckets), latest_payments(customer))


def account_totals(customer: Customer, today: date, buckets: tuple[Bucket, ...]) -> list[Totals]:
    """Per currency (in code order) what the customer's open invoices owe, overdue and in each of
    ``buckets`` on ``today``, and their credit: two queries."""
    owing = open_invoices(customer.company_id, customer_id=customer.id)
    bucket = bucket_of(owing.c.due_date, today, buckets).label("bucket")
    rows = db.session.execute(
        select(owing.c.currency, bucket, func.count(), func.sum(owing.c.open))
        .group_by(owing.c.currency, bucket))
    totals: dict[str, Totals] = {}

    def of(currency: str) -> Totals:
        return totals.setdefault(currency, Totals(currency, buckets, ageing=[ZERO] * len(buckets)))

    for currency, index, count, amount in rows:
        row, owed = of(currency), _amount(amount)
        row.ageing[index] += owed
        row.outstanding += owed
        row.open_count += int(count)
        if buckets[index].first is not None:  # every bucket but "not yet due" is past the due date
            row.overdue += owed
            row.overdue_count += int(count)
    for currency, credit in _credit_by_currency(customer).items():
        of(currency).credit += credit
    return [totals[currency] for currency in sorted(totals)]


def _amount(value: Decimal | float | None) -> Decimal:
    return money(Decimal(str(value))) if value is not None else ZERO


def _credit_by_currency(customer: Customer) -> dict[str, Decimal]:
    """The customer's credit per currency, over all their payments, in one query."""
    rows = db.session.execute(
        select(BillingPayment.currency, func.sum(BillingPayment.amount - taken_of_payment()))
        .where(BillingPayment.company_id == customer.company_id, BillingPayment.customer_id == customer.id,
               BillingPayment.reversed_at.is_(None))
        .group_by(BillingPayment.currency))
    return {currency: money(Decimal(total)) for currency, total in rows if money(Decimal(total)) > ZERO}


def latest_payments(customer: Customer) -> list[tuple[BillingPayment, Decimal]]:
    """The customer's latest LISTED payments, newest first, each with what of it no allocation takes:
    three queries (the payments, their allocations, what is left of them)."""
    payments = list(db.session.execute(
        select(BillingPayment).where(BillingPayment.company_id == customer.company_id,
                                     BillingPayment.customer_id == customer.id)
        .order_by(BillingPayment.received_at.desc(), BillingPayment.id.desc()).limit(LISTED)
        .options(selectinload(BillingPayment.allocations), lazyload(BillingPayment.recorded_by))).scalars())
    left = unallocated(payment.id for payment in payments)
    return [(payment, left.get(payment.id, ZERO)) for payment in payments]


def owing_of(customer: Customer) -> Subquery:
    """SQL: each open invoice of the customer with what it owes (``open``), from the open items."""
    return open_invoices(customer.company_id, customer_id=customer.id)


class OpenInvoiceColumns:
    """SQL of the account's list of open invoices, over the open items alone (``owing``): what the invoice
    and its order add (number, status, total, the order's number) are scalar subqueries by primary key.

    The list is sorted and cut to its page on the open items' own columns (due date, invoice id), and the
    database looks up the invoice and the order for the rows of the page only: joined, each of the
    customer's thousands of open invoices was read with its order before the sort.
    """

    def __init__(self, customer: Customer) -> None:
        self.owing = owing = owing_of(customer)

        def of_invoice(column: Any) -> Any:
            return select(column).where(Invoice.id == owing.c.invoice_id).scalar_subquery()

        def of_order(column: Any) -> Any:
            return (select(column).join(Invoice, Invoice.order_id == Order.id)
                    .where(Invoice.id == owing.c.invoice_id).scalar_subquery())

        self.id = owing.c.invoice_id
        self.due_date = owing.c.due_date
        self.open = owing.c.open
        self.currency = owing.c.currency
        self.number = of_invoice(Invoice.number)
        self.status = of_invoice(Invoice.status)
        self.total = of_invoice(Invoice.total)
        self.issued_at = of_invoice(Invoice.issued_at)
        self.order_id = of_invoice(Invoice.order_id)
        self.order_number = of_order(Order.number)
        self.customer_reference = of_order(Order.customer_reference)
        self.oldest_due_first = Keyset(self.id, self.due_date, Kind.DATE)

    def rows(self) -> Select[Any]:
        """The open invoices, for a list to select its columns from and page (``core.listview``)."""
        return select(self.id).select_from(self.owing)


def open_invoices_page(customer: Customer, **paging: Any) -> dict[str, Any]:
    """A page of the customer's open invoices, oldest due first (``core.db.page_of``: ``per_page``,
    ``cursor``), as ``(invoice with its order, what it owes)`` in ``items``: three queries and the count."""
    columns = OpenInvoiceColumns(customer)
    page = page_of(columns.rows(), columns.oldest_due_first, **paging)
    ids = list(page["items"])
    invoices = invoices_by_id(customer.company_id, ids)
    owed = open_sums(ids)
    return {**page, "items": [(invoices[invoice_id], owed.get(invoice_id, ZERO)) for invoice_id in ids]}
