"""Invoices' tables: invoice versions with their lines, credit notes, fapiao records, document numbers.

An invoice is never edited after issue. A change to what it bills credits it
in full (a credit note) and issues a new version; money granted back on a
problem case is a credit note against it. Each keeps its own lines, copied
at issue, so the PDF of any version prints what was sent. Finance records the
statutory 增值税发票 (fapiao) the tax system issued against an invoice, and a
red-letter one against a credit note.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Order, User
from core.models.types import Money, Quantity, Rate, UTCDateTime, enum_column, utcnow


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"  # waiting for (the rest of) its payment
    PAID = "paid"
    CANCELLED = "cancelled"  # the order was cancelled before it was settled
    CREDITED = "credited"  # credited in full by a credit note; a later version bills the order


class CreditReason(enum.StrEnum):
    ORDER_CHANGED = "order_changed"  # an approved change moved what was invoiced: the version is credited
    CASE_CREDIT = "case_credit"  # money granted back on a problem case (a refused line, a defect)


class FapiaoType(enum.StrEnum):
    SPECIAL = "special"  # 增值税专用发票
    ORDINARY = "ordinary"  # 增值税普通发票
    ELECTRONIC = "electronic"  # 电子发票 (全电)


# The document kind of an order's invoice (its current version): the PDF the customer downloads and is sent.
INVOICE_DOCUMENT = "invoice"


class Invoice(Model):
    """One version of an order's invoice: version 1 at issue, one more for each change that credits it."""

    __tablename__ = "billing_invoice"
    __table_args__ = (
        UniqueConstraint("company_id", "number"), UniqueConstraint("order_id", "version"),
        # The invoice lists (the API's and the portal's) read newest first by keyset on (issued_at, id).
        Index("ix_billing_invoice_company_issued_at_id", "company_id", "issued_at", "id"),
        # Finance's inbox reads the issued invoices due first, and stops at its page.
        Index("ix_billing_invoice_company_status_due", "company_id", "status", "due_date", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice.id"))
    number: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax_total: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus), default=InvoiceStatus.ISSUED, index=True
    )
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The buyer and the terms as the order named them at issue (``services.BUYER_FIELDS``), as text.
    buyer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship(lazy="joined")
    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.line_no",
                                                    viewonly=True)

    def __repr__(self) -> str:
        return f"<Invoice {self.number} v{self.version} {self.status}>"


class InvoiceLine(Model):
    """A line of an invoice version, copied from the order's line at issue: tax per line, rounded per line."""

    __tablename__ = "billing_invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoice.id"), index=True)
    line_no: Mapped[int]
    order_line_id: Mapped[int | None]  # the order's line it bills (no key: a change replaces lines)
    description: Mapped[str] = mapped_column(String(200))
    specification: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Rate())
    net_amount: Mapped[Decimal] = mapped_column(Money())
    tax_amount: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())


class CreditNote(Model):
    """A numbered document that takes back (part of) an invoice: its own lines, amounts positive."""

    __tablename__ = "billing_credit_note"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    reason: Mapped[CreditReason] = mapped_column(enum_column(CreditReason))
    note: Mapped[str | None] = mapped_column(String(500))  # the approver's or the change's words, as typed
    case_id: Mapped[int | None]
    case_number: Mapped[str | None] = mapped_column(String(40))
    change_id: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax_total: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    invoice: Mapped[Invoice | None] = relationship()
    lines: Mapped[list[CreditNoteLine]] = relationship(order_by="CreditNoteLine.line_no",
                                                       viewonly=True)

    def __repr__(self) -> str:
        return f"<CreditNote {self.number} {self.total}>"


class CreditNoteLine(Model):
    """A line of a credit note: what it takes back of an invoice line (or of the order), tax per line."""

    __tablename__ = "billing_credit_note_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("billing_credit_note.id"), index=True)
    line_no: Mapped[int]
    order_line_id: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(String(200))  # None: the whole order
    specification: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(16))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    unit_price: Mapped[Decimal | None] = mapped_column(Money())
    tax_rate: Mapped[Decimal | None] = mapped_column(Rate())
    net_amount: Mapped[Decimal] = mapped_column(Money())
    tax_amount: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())


class FapiaoRecord(Model):
    """A statutory 增值税发票 the tax system issued, recorded by finance against an invoice (blue), or
    against a credit note of it (red-letter, 红字). A fapiao's code and number are recorded once."""

    __tablename__ = "billing_fapiao"
    __table_args__ = (UniqueConstraint("company_id", "code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoice.id"), index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("billing_credit_note.id"), index=True)
    fapiao_type: Mapped[FapiaoType] = mapped_column(enum_column(FapiaoType))
    code: Mapped[str] = mapped_column(String(12), default="")  # 发票代码; a 全电 fapiao has none
    number: Mapped[str] = mapped_column(String(20))  # 发票号码
    issued_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())  # 价税合计, positive for a red-letter one too
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User | None] = relationship()

    @property
    def red(self) -> bool:
        return self.credit_note_id is not None


class DocumentSequence(Model):
    """The last number handed out for one company, kind of document (invoice, credit note) and year."""

    __tablename__ = "billing_sequence"
    __table_args__ = (UniqueConstraint("company_id", "kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)
