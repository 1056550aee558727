"""The customer's verdict on each shipped line, and the company's list of refusal reasons."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import Quantity, UTCDateTime, enum_column, utcnow


class Verdict(enum.StrEnum):
    ACCEPTED = "accepted"
    RESERVED = "accepted_with_reservations"  # counts as accepted; the reason travels with ``delivered``
    REFUSED = "refused"  # all or part of the line: the refused quantity stays open


class RecordedAs(enum.StrEnum):
    """Who gave the verdict: the customer themselves, or staff on the customer's behalf."""

    CUSTOMER = "customer"
    DRIVER = "driver"
    CUSTOMER_SERVICE = "customer_service"


# The refusal reasons a company starts with (it may list its own).
DEFAULT_REFUSAL_REASONS = ("damaged", "quantity_short", "wrong_item", "quality", "late", "other")
DEFAULT_REOPEN_DAYS = 14


class LineAcceptance(Model):
    """One shipped line's verdict; a line is judged once (the unique shipment line says so)."""

    __tablename__ = "logistics_line_acceptance"
    __table_args__ = (
        CheckConstraint("refused_quantity >= 0", name="logistics_line_acceptance_refused"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("logistics_shipment.id", ondelete="CASCADE"), index=True)
    shipment_line_id: Mapped[int] = mapped_column(
        ForeignKey("logistics_shipment_line.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict, 32))
    accepted_quantity: Mapped[Decimal] = mapped_column(Quantity())
    refused_quantity: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal(0))
    refusal_reason: Mapped[str | None] = mapped_column(String(64))  # one of the company's reasons
    note: Mapped[str | None] = mapped_column(Text)  # the reservation, or what was wrong
    recorded_as: Mapped[RecordedAs] = mapped_column(enum_column(RecordedAs))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AcceptanceSetting(Model):
    """A company's refusal reasons and how long a resolved case may be reopened (the defaults when it has no
    row: a read never writes)."""

    __tablename__ = "logistics_acceptance_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    refusal_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    reopen_days: Mapped[int] = mapped_column(default=DEFAULT_REOPEN_DAYS)  # a resolved case may be reopened


class DeliveryFeedback(Model):
    """The customer's rating (1–5) and comment on one delivery."""

    __tablename__ = "logistics_delivery_feedback"
    __table_args__ = (CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)",
                                      name="logistics_delivery_feedback_rating"),)

    shipment_id: Mapped[int] = mapped_column(ForeignKey("logistics_shipment.id", ondelete="CASCADE"),
                                             primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    rating: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)


class AcceptanceAttachment(Model):
    """A photo or PDF the customer (or staff for them) attached to a delivery's acceptance."""

    __tablename__ = "logistics_acceptance_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("logistics_shipment.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
