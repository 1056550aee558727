"""Invoices' table: one invoice per order."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Order
from core.models.types import Money, UTCDateTime, enum_column, utcnow


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"  # waiting for (the rest of) its payment
    PAID = "paid"
    CANCELLED = "cancelled"  # the order was cancelled before it was settled


class Invoice(Model):
    """The invoice of an order; an order has at most one (unique ``order_id``)."""

    __tablename__ = "billing_invoice"
    __table_args__ = (
        UniqueConstraint("company_id", "number"), UniqueConstraint("order_id"),
        # The invoice lists (the API's and the portal's) read newest first by keyset on (issued_at, id).
        Index("ix_billing_invoice_company_issued_at_id", "company_id", "issued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
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

    order: Mapped[Order] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Invoice {self.number} {self.status}>"
