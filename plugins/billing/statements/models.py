"""Statements' tables: the statement day, the statements with their lines, the customer's disputes and
attachments, and each statement's PDF as rendered once per version.

A statement's opening balance is the previous statement's closing balance,
copied when it is made (``previous_id`` names it). Each ledger entry (a
delivery, an invoice, a credit note, a payment, an invoice's cancellation)
is on one statement at most: ``billing_statement_line`` is unique on the
entry, so what was recorded after a statement was made, even dated in its
period, goes to the next one and a confirmed statement never changes.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.extensions import Model
from core.models import Customer, User
from core.models.types import Money, UTCDateTime, enum_column, utcnow

LAST_DAY = 31  # a statement day past the month's end is its last day


class StatementStatus(enum.StrEnum):
    SENT = "sent"  # waiting for the customer's answer
    CONFIRMED = "confirmed"  # the customer agrees: frozen
    DISPUTED = "disputed"  # the customer disputes lines; sales and finance answer each
    ANSWERED = "answered"  # every dispute answered; the customer may confirm it now


class LineKind(enum.StrEnum):
    DELIVERY = "delivery"  # goods signed for: listed, the invoice carries the amount
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    INVOICE_CANCELLED = "invoice_cancelled"  # an invoice on an earlier statement, cancelled since
    PAYMENT_REVERSED = "payment_reversed"  # a payment entered wrongly, reversed (it owes again what it paid)


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(enum.StrEnum):
    CORRECTION = "correction"  # a credit note issued through invoices
    EXPLANATION = "explanation"  # the line stands; why, in the answer


class MonthlyInvoicing(enum.StrEnum):
    """When the company invoices its monthly-settlement orders."""

    AT_DELIVERY = "at_delivery"  # each order when the customer signs for it
    WITH_STATEMENT = "with_statement"  # the period's deliveries when the monthly statement is made


class StatementSetting(Model):
    """The company's statement day (1 to 31; past the month's end, its last day) and when it invoices its
    monthly-settlement orders."""

    __tablename__ = "billing_statement_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    statement_day: Mapped[int] = mapped_column(default=LAST_DAY)
    monthly_invoicing: Mapped[MonthlyInvoicing] = mapped_column(
        enum_column(MonthlyInvoicing), default=MonthlyInvoicing.AT_DELIVERY,
        server_default=MonthlyInvoicing.AT_DELIVERY.value)


class CustomerStatementDay(Model):
    """A customer's own statement day, from their monthly-settlement contract, instead of the company's."""

    __tablename__ = "billing_customer_statement_day"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    statement_day: Mapped[int]


class Statement(Model):
    """One customer's statement for the period ending at the end of its statement day."""

    __tablename__ = "billing_statement"
    __table_args__ = (
        UniqueConstraint("company_id", "customer_id", "statement_date", name="uq_billing_statement_customer_date"),
        UniqueConstraint("company_id", "number", name="uq_billing_statement_number"),
        # The statement lists read newest first by keyset on (statement_date, id).
        Index("ix_billing_statement_company_date_id", "company_id", "statement_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("billing_statement.id"), unique=True)
    statement_date: Mapped[date] = mapped_column(Date)
    # The customer's first: the start of the day of their first entry (None on first statements made before that).
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(String(3))
    opening_balance: Mapped[Decimal] = mapped_column(Money())
    debits: Mapped[Decimal] = mapped_column(Money())  # invoiced in the period
    credits: Mapped[Decimal] = mapped_column(Money())  # credited and paid in the period
    closing_balance: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[StatementStatus] = mapped_column(enum_column(StatementStatus), default=StatementStatus.SENT,
                                                    index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the customer's confirmation or dispute
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship(lazy="joined")
    lines: Mapped[list[StatementLine]] = relationship(order_by="StatementLine.line_no", viewonly=True)

    @property
    def frozen(self) -> bool:
        return self.status == StatementStatus.CONFIRMED

    def __repr__(self) -> str:
        return f"<Statement {self.number} {self.status}>"


class StatementLine(Model):
    """A ledger entry as the statement lists it: what it is, its date and reference, and its effect on the
    balance (a delivery none: its invoice carries the amount)."""

    __tablename__ = "billing_statement_line"
    __table_args__ = (UniqueConstraint("company_id", "kind", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("billing_statement.id"), index=True)
    line_no: Mapped[int]
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind))
    source_id: Mapped[int]  # the delivered order, invoice, credit note or payment
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))
    order_number: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(120))  # the document's number, the payment's reference
    entry_at: Mapped[datetime] = mapped_column(UTCDateTime())
    amount: Mapped[Decimal] = mapped_column(Money())  # as the document states it, positive
    effect: Mapped[Decimal] = mapped_column(Money())  # on what the customer owes: + invoiced, − credited or paid


class StatementDispute(Model):
    """The customer's dispute of one line, with their reason, and sales' or finance's answer."""

    __tablename__ = "billing_statement_dispute"
    __table_args__ = (UniqueConstraint("line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("billing_statement.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("billing_statement_line.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[DisputeStatus] = mapped_column(enum_column(DisputeStatus), default=DisputeStatus.OPEN,
                                                  index=True)
    disputed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    disputed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolution: Mapped[Resolution | None] = mapped_column(enum_column(Resolution))
    answer: Mapped[str | None] = mapped_column(Text)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("billing_credit_note.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    line: Mapped[StatementLine] = relationship(lazy="joined")
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class StatementAttachment(Model):
    """The customer's stamped copy of a statement (PNG, JPEG or PDF), as uploaded."""

    __tablename__ = "billing_statement_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("billing_statement.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StatementDocument(Model):
    """A statement's PDF, rendered once per version and variant (language, prices) and never changed."""

    __tablename__ = "billing_statement_document"
    __table_args__ = (UniqueConstraint("statement_id", "version", "variant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("billing_statement.id"))
    version: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
