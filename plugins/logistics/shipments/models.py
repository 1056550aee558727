"""Shipments of approved orders: prepared, dispatched, then accepted by the customer."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import DeliveryMethod, Order
from core.models.types import UTCDateTime, enum_column, utcnow


class ShipmentStatus(enum.StrEnum):
    PREPARED = "prepared"  # checked and packed, waiting to leave (or to be picked up)
    DISPATCHED = "dispatched"  # handed to the carrier
    ACCEPTED = "accepted"  # the customer signed for the goods


class Shipment(Model):
    __tablename__ = "logistics_shipment"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="logistics_shipment_rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    number: Mapped[str] = mapped_column(String(48))
    delivery_method: Mapped[DeliveryMethod] = mapped_column(enum_column(DeliveryMethod))
    carrier: Mapped[str | None] = mapped_column(String(120))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ShipmentStatus] = mapped_column(
        enum_column(ShipmentStatus), default=ShipmentStatus.PREPARED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by: Mapped[str | None] = mapped_column(String(120))
    reservations: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None]  # the customer's satisfaction, 1 (poor) to 5 (excellent)
    # Row version: a second dispatch or sign-off of the same shipment loses with a conflict.
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status != ShipmentStatus.ACCEPTED

    @property
    def awaits_acceptance(self) -> bool:
        """Dispatched goods, or goods the customer collects themselves, wait for the sign-off."""
        return self.status == ShipmentStatus.DISPATCHED or (
            self.status == ShipmentStatus.PREPARED and self.delivery_method == DeliveryMethod.PICKUP
        )

    def __repr__(self) -> str:
        return f"<Shipment {self.number} {self.status}>"

