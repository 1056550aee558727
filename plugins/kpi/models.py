"""KPI facts: one row per stage event of an order, the ground truth every figure is counted from."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import Money, UTCDateTime, enum_column, utcnow


class KpiEventKind(enum.StrEnum):
    """What happened to the order; one member per stage event the core fires."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    PAID = "paid"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


DECISION_KINDS = (KpiEventKind.APPROVED, KpiEventKind.REJECTED, KpiEventKind.SENT_BACK)


class KpiEvent(Model):
    """A fact: an order went through a stage event at a moment, with what it was worth then."""

    __tablename__ = "kpi_event"
    __table_args__ = (Index("ix_kpi_event_company_at", "company_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    event: Mapped[KpiEventKind] = mapped_column(enum_column(KpiEventKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The payment's amount for ``paid``; the order's total for every other event.
    amount: Mapped[Decimal | None] = mapped_column(Money())
    # The department that answers for the event, when the event says so.
    department: Mapped[str | None] = mapped_column(String(64))
    # Hours from the order's submission to this event (None before submission).
    hours_since_submission: Mapped[Decimal | None] = mapped_column(Numeric(10, 2, asdecimal=True))

    def __repr__(self) -> str:
        return f"<KpiEvent {self.event.value} order={self.order_id}>"
