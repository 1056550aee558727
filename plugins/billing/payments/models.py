"""Payments' table: the money received against an order."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import User
from core.models.types import Money, UTCDateTime, enum_column, utcnow


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    CHEQUE = "cheque"
    ONLINE = "online"


class BillingPayment(Model):
    """Money received for an order; named apart from ``core.contracts.Payment``, the event payload."""

    __tablename__ = "billing_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    reference: Mapped[str | None] = mapped_column(String(120))
    is_prepayment: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<BillingPayment {self.amount} order={self.order_id}>"
