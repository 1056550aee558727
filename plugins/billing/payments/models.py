"""Payments' tables: money received from a customer, what of it pays which invoice, prepayment shares.

A payment is the money that arrived: amount, currency, date, method, reference.
What it pays is in its allocations, each ``payment → order (and its invoice),
amount``; what of a payment no allocation takes is the customer's credit, applied
to the next invoice issued to them. A wrong payment is never deleted: it is
reversed with a reason, and its allocations with it (``reversed_at``), so the
invoices it paid owe again.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import User
from core.models.types import Money, UTCDateTime, enum_column, utcnow


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    CHEQUE = "cheque"
    ONLINE = "online"
    OTHER = "other"


class BillingPayment(Model):
    """Money received from a customer; named apart from ``core.contracts.Payment``, the event payload.

    ``order_id`` and ``invoice_id`` name the order and invoice it was recorded
    against when it was recorded for one order; a payment across several invoices
    names none, its allocations say what it paid.
    """

    __tablename__ = "billing_payment"
    # A customer's latest payments (their account): the newest first from the index, not sorted out of all.
    __table_args__ = (Index("ix_billing_payment_customer_received", "company_id", "customer_id", "received_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    reference: Mapped[str | None] = mapped_column(String(120))
    is_prepayment: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A wrong entry is reversed, never deleted: when, by whom and why, as typed.
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reversal_reason: Mapped[str | None] = mapped_column(String(500))

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    allocations: Mapped[list[PaymentAllocation]] = relationship(
        order_by="PaymentAllocation.id", viewonly=True)

    @property
    def reversed(self) -> bool:
        return self.reversed_at is not None

    def __repr__(self) -> str:
        return f"<BillingPayment {self.amount} customer={self.customer_id}>"


class PaymentAllocation(Model):
    """What of a payment pays one order's invoice (or the order, before it is invoiced)."""

    __tablename__ = "billing_payment_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("billing_payment.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    # None until the order is invoiced; follows the order's invoice to its next version.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Undone: its payment was reversed, or its order cancelled (what it paid is then the customer's credit).
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<PaymentAllocation {self.amount} payment={self.payment_id} order={self.order_id}>"


class PrepaymentShare(Model):
    """The share of a prepayment order's total paid before execution starts (a percentage), agreed in the
    contract: a customer's default (``order_id`` none) or one order's own. None anywhere: the whole total."""

    __tablename__ = "billing_prepayment_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), unique=True)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
