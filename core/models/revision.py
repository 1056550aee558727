"""An order's earlier revisions: what it said before an approved change replaced it.

The order row always holds its current revision (``Order.revision``); each
approved change first keeps the revision it replaces here, whole and never
changed, so every earlier revision of an order stays readable as it was.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.audit import AppendOnlyError
from core.models.masterdata import PaymentTerms
from core.models.order import DeliveryMethod
from core.models.types import Money, UTCDateTime, enum_column, utcnow


class OrderRevision(Model):
    """One superseded revision of an order: its terms, totals and lines (as JSON rows of strings)."""

    __tablename__ = "order_revision"
    __table_args__ = (UniqueConstraint("order_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    requested_date: Mapped[date] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    delivery_method: Mapped[DeliveryMethod] = mapped_column(enum_column(DeliveryMethod))
    payment_terms: Mapped[PaymentTerms] = mapped_column(enum_column(PaymentTerms))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax_total: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    # Each line as it read: line_no, product_id, product_code, description, specification, unit,
    # quantity, unit_price, tax_rate, net_amount, tax_amount, amount (decimals as strings).
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The change request (of the review plugin) whose approval replaced this revision.
    replaced_by_change: Mapped[int | None]
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<OrderRevision {self.order_id} r{self.revision}>"


@event.listens_for(OrderRevision, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: OrderRevision) -> None:
    raise AppendOnlyError(f"revision {target.revision} of order {target.order_id} is history; it is never changed")
