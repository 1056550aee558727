"""A problem case on a delivery: what went wrong, who handles it by when, and how it ended."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Order, OrderLine
from core.models.types import Money, Quantity, UTCDateTime, enum_column, utcnow


class CaseType(enum.StrEnum):
    QUALITY = "quality"
    QUANTITY_SHORT = "quantity_short"
    WRONG_ITEM = "wrong_item"
    DAMAGED = "damaged"
    LATE = "late"
    OTHER = "other"


class CaseSource(enum.StrEnum):
    REFUSAL = "refusal"  # a refused line at acceptance
    RESERVATION = "reservation"  # a line accepted with reservations
    REPORT = "report"  # reported later against a delivered order


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(enum.StrEnum):
    REPLACE = "replace"  # a new shipment of the quantity
    REPAIR = "repair"
    RETURN = "return"  # the goods come back
    CREDIT = "credit"  # money back, approved
    REJECTED = "rejected"  # with a reason


class ProblemCase(Model):
    __tablename__ = "logistics_case"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        CheckConstraint("credit_amount IS NULL OR credit_amount > 0", name="logistics_case_credit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    number: Mapped[str] = mapped_column(String(48))
    case_type: Mapped[CaseType] = mapped_column(enum_column(CaseType))
    source: Mapped[CaseSource] = mapped_column(enum_column(CaseSource))
    department: Mapped[str] = mapped_column(String(64), index=True)  # the role that handles it
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("logistics_shipment.id"))
    shipment_line_id: Mapped[int | None] = mapped_column(ForeignKey("logistics_shipment_line.id"))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity())  # refused or concerned
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), default=CaseStatus.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution: Mapped[Resolution | None] = mapped_column(enum_column(Resolution))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    credit_amount: Mapped[Decimal | None] = mapped_column(Money())
    # Everything granted on this case across its resolutions: a reopened case credited again counts both.
    credited: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    replacement_shipment_id: Mapped[int | None] = mapped_column(ForeignKey("logistics_shipment.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    escalation_level: Mapped[int] = mapped_column(default=0)  # how far up the chain of superiors it went
    # Row version: two people resolving the same case at once: the second loses with a conflict.
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship(lazy="joined")
    order_line: Mapped[OrderLine | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class CaseNotice(Model):
    """An escalation of a late case: sent once per case and level, however many sweeps run."""

    __tablename__ = "logistics_case_notice"
    __table_args__ = (UniqueConstraint("case_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("logistics_case.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    recipients: Mapped[list[int]] = mapped_column(JSON, default=list)  # user ids
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
