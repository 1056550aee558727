"""Shipments of approved orders: lines and quantities, prepared, checked, dispatched, then accepted.

A shipment carries some quantity of some of its order's lines (``ShipmentLine``,
to which the customer's acceptance per line attaches); its delivery mode asks
for its own fields (express: carrier and tracking number; freight: carrier,
vehicle, driver, phone and waybill; pickup: a pickup code, who collected and
when). Each line gets a pre-dispatch check (quantity confirmed, pass or fail
with a reason, lot or serial numbers for a tracked product).
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import DeliveryMethod, Order, OrderLine
from core.models.types import Quantity, UTCDateTime, enum_column, insert_sentinel, utcnow

# The documents that go with a dispatched shipment (``plugins.logistics.shipments.documents``).
DELIVERY_NOTE = "delivery_note"
CERTIFICATE = "certificate"


class ShipmentStatus(enum.StrEnum):
    PREPARED = "prepared"  # checked and packed, waiting to leave (or to be picked up)
    DISPATCHED = "dispatched"  # handed to the carrier
    ACCEPTED = "accepted"  # the customer signed for the goods


class CheckResult(enum.StrEnum):
    PASSED = "pass"
    FAILED = "fail"


class CheckMode(enum.StrEnum):
    """What a failed or missing pre-dispatch check does: holds the dispatch back, or is recorded as a warning."""

    BLOCK = "block"
    WARN = "warn"


class Tracking(enum.StrEnum):
    """How a product's units are told apart on the certificate: not at all, by lot, or one serial each."""

    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class Shipment(Model):
    __tablename__ = "logistics_shipment"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="logistics_shipment_rating"),
        # The inbox's shipments to dispatch and sign-offs to record (the company's prepared and dispatched ones,
        # by either index's lead), the sign-offs in the order they have waited: dispatched ones since their
        # dispatch, pickups ready since they were prepared.
        Index("ix_logistics_shipment_dispatched", "company_id", "status", "dispatched_at", "id"),
        Index("ix_logistics_shipment_pickup", "company_id", "status", "delivery_method", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    number: Mapped[str] = mapped_column(String(48))
    delivery_method: Mapped[DeliveryMethod] = mapped_column(enum_column(DeliveryMethod))
    carrier: Mapped[str | None] = mapped_column(String(120))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    # Freight: the truck, who drives it, and the waybill.
    vehicle: Mapped[str | None] = mapped_column(String(32))
    driver_name: Mapped[str | None] = mapped_column(String(120))
    driver_phone: Mapped[str | None] = mapped_column(String(32))
    waybill_number: Mapped[str | None] = mapped_column(String(64))
    # Pickup: the code the customer shows, who collected the goods and when.
    pickup_code: Mapped[str | None] = mapped_column(String(16))
    collected_by: Mapped[str | None] = mapped_column(String(120))
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The pre-dispatch check: who checked the lines and when (each line holds its result).
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
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
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", order_by="ShipmentLine.id", cascade="all, delete-orphan", lazy="selectin")

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



class ShipmentLine(Model):
    """A quantity of one order line in one shipment, with its pre-dispatch check."""

    __tablename__ = "logistics_shipment_line"
    __table_args__ = (
        UniqueConstraint("shipment_id", "order_line_id"),
        CheckConstraint("quantity > 0", name="logistics_shipment_line_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    _sentinel: Mapped[int | None] = insert_sentinel()  # a shipment's lines in one INSERT on SQLite too
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("logistics_shipment.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    # The check: the quantity counted, pass or fail (with the reason), lot or serial numbers.
    confirmed_quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    check_result: Mapped[CheckResult | None] = mapped_column(enum_column(CheckResult))
    check_reason: Mapped[str | None] = mapped_column(String(500))
    lot_numbers: Mapped[list[str] | None] = mapped_column(JSON)

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship(lazy="joined")

    @property
    def passed(self) -> bool:
        return self.check_result == CheckResult.PASSED


class ShippingSetting(Model):
    """How a company ships: its carriers, whether an order may leave in parts, what a failed check does."""

    __tablename__ = "logistics_setting"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    carriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    partial_delivery: Mapped[bool] = mapped_column(default=True)
    check_mode: Mapped[CheckMode] = mapped_column(enum_column(CheckMode), default=CheckMode.WARN)


class OrderShipping(Model):
    """One order's own choice on partial delivery, over the company's setting."""

    __tablename__ = "logistics_order_shipping"

    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    partial_delivery: Mapped[bool]


class ProductTracking(Model):
    """Logistics' master data of a product: whether its units carry lot or serial numbers.

    Kept in logistics' own table: the core's product knows nothing of lots.
    """

    __tablename__ = "logistics_product_tracking"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    tracking: Mapped[Tracking] = mapped_column(enum_column(Tracking), default=Tracking.NONE)
