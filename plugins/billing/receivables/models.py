"""Open items: an append-only ledger of what each invoice still owes, one dated row per change; and the
company's ageing buckets.

An invoice's open amount on a day is the sum of its rows posted on or before that
day. A row is written in the same transaction as what moved the amount: the
invoice (or a new version) issued, a credit note, a payment allocated or reversed,
a version credited or cancelled (``open_items.post``). Rows are never deleted; what
each row carries of its invoice (customer, salesperson, due date, currency) is copied
so that ageing and the receivables summaries read this table alone, by its indexes.

The one thing ``post`` updates is ``settled_on``, on every row of an invoice at once:
the day of its last row when its rows sum to nothing (paid, credited, closed), else
empty. From that day on the invoice owes nothing whatever day is asked, so a report as
of day D reads only the rows of invoices not settled by D (``settled_on`` empty or
after D): paid invoices of past years drop out of the index range it reads.
"""
from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import Money, enum_column


class EntryKind(enum.StrEnum):
    ISSUED = "issued"  # an invoice (or its next version) issued: its total, less what was paid before
    CREDIT_NOTE = "credit_note"  # money granted back on a problem case
    PAYMENT = "payment"  # a payment allocated to the invoice
    REVERSAL = "reversal"  # an allocation undone: its payment reversed, its order cancelled, an overpayment released
    CLOSED = "closed"  # the version credited by a change, or cancelled with its order: it owes nothing more


class OpenItemEntry(Model):
    """A dated change of what one invoice owes (positive: owes more)."""

    __tablename__ = "billing_open_item"
    __table_args__ = (
        # Ageing and the receivables summary: the rows of the company's invoices not settled by the day
        # asked, summed per invoice (``open_items.open_invoices``). Led by ``settled_on``, the range read is
        # the open invoices (empty) and those settled after the day, not every invoice ever issued; covering,
        # it is read from the index alone.
        Index("ix_billing_open_item_ageing", "company_id", "settled_on", "invoice_id", "customer_id",
              "salesperson_id", "currency", "due_date", "posted_on", "amount"),
        # A customer's open invoices and what they owe (their account, ``open_invoices(customer_id=...)``):
        # the same columns led by the customer, so the range read is their open items alone, covering.
        Index("ix_billing_open_item_customer_open", "company_id", "customer_id", "settled_on", "invoice_id",
              "salesperson_id", "currency", "due_date", "posted_on", "amount"),
        # The overdue lists (collection's inbox): the open rows due before a day, in due date then customer
        # order, so the first customers by their oldest due date are read off its start; covering.
        Index("ix_billing_open_item_overdue", "company_id", "settled_on", "due_date", "customer_id",
              "salesperson_id", "invoice_id", "amount"),
        # A customer's receivables (review's credit check, credit hold) and the drill-down.
        Index("ix_billing_open_item_company_customer", "company_id", "customer_id", "invoice_id"),
        Index("ix_billing_open_item_invoice", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    # Who answers for the customer's order: the order's author (orders name no other responsible person yet).
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoice.id"))
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date] = mapped_column(Date)
    posted_on: Mapped[date] = mapped_column(Date)  # in the company's time zone
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind))
    amount: Mapped[Decimal] = mapped_column(Money())
    # The day the invoice's rows came to sum to nothing and stayed so (its last row's); empty while it owes.
    settled_on: Mapped[date | None] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<OpenItemEntry invoice={self.invoice_id} {self.kind} {self.amount} on {self.posted_on}>"


class AgeingBound(Model):
    """One bound of the company's ageing buckets in days: the last day past due of a bucket. Bounds
    30, 60, 90, 180 make the buckets not yet due, 1–30, 31–60, 61–90, 91–180 and over 180 days."""

    __tablename__ = "billing_ageing_bound"
    __table_args__ = (UniqueConstraint("company_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    position: Mapped[int] = mapped_column()  # 1, 2, ... in order of days
    days: Mapped[int] = mapped_column()
