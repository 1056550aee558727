"""Stock's tables: warehouses, the ledger of moves, and the balance row the ledger keeps.

The ledger is the truth: every change of stock is a move, never an edit of a
counter. Each move carries its effect on the three quantities of its product
in its warehouse (``on_hand``, ``reserved``, ``quarantine``); the balance row
holds their running sums so that availability is one row away, and is
written in the same flush as the move (``plugins.stock.ledger.post``).
``ordo stock check`` compares the two.

A product tracked by lot or serial number (``StockProductTracking``, stock's
own table: the core's product knows nothing of lots) has its moves of goods
in and out carry a lot (``StockLot``, named per product and company), and a
second running sum per lot and warehouse (``StockLotBalance``): reservations
stay per product, a dispatch picks the lots first received first.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Product
from core.models.types import Quantity, UTCDateTime, enum_column, utcnow

ZERO = Decimal("0")


class MoveKind(enum.StrEnum):
    RECEIPT = "receipt"  # goods came in: on hand rises
    ADJUSTMENT = "adjustment"  # a count corrected, up or down, with the reason
    RESERVATION = "reservation"  # set aside for an approved order's line
    RELEASE = "release"  # a reservation given back (cancelled, changed)
    ISSUE = "issue"  # left with a shipment: on hand falls, and what was reserved for it
    RETURN = "return"  # came back on a problem case: on hand, or quarantine when its check failed


class Tracking(enum.StrEnum):
    """How a product's units are told apart in stock: not at all, by lot, or one serial number each."""

    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class StockProductTracking(Model):
    """Stock's setting of one product: whether its units carry lot or serial numbers (none when absent)."""

    __tablename__ = "stock_product_tracking"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    tracking: Mapped[Tracking] = mapped_column(enum_column(Tracking), default=Tracking.NONE)


class StockWarehouse(Model):
    """A place the company keeps goods; one is the default, made when the company first needs one."""

    __tablename__ = "stock_warehouse"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<StockWarehouse {self.code}>"


class StockLot(Model):
    """A lot (or one serial number) of a tracked product, made by the first receipt or adjustment naming it."""

    __tablename__ = "stock_lot"
    __table_args__ = (UniqueConstraint("company_id", "product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined")
    balances: Mapped[list[StockLotBalance]] = relationship(
        lazy="selectin", order_by="StockLotBalance.warehouse_id", viewonly=True)

    def __repr__(self) -> str:
        return f"<StockLot {self.name}>"


class StockMove(Model):
    """One line of the ledger: what a move did to a product's quantities in a warehouse, and why."""

    __tablename__ = "stock_move"
    __table_args__ = (
        Index("ix_stock_move_company_at", "company_id", "at", "id"),
        Index("ix_stock_move_warehouse_product", "warehouse_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("stock_warehouse.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("stock_lot.id"), index=True)  # a tracked product's lot
    kind: Mapped[MoveKind] = mapped_column(enum_column(MoveKind))
    on_hand: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)  # change of the quantity on hand
    reserved: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)  # change of the quantity reserved
    quarantine: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)  # change of what is held back
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    # No foreign key: a change that removes a line deletes it, and its moves (its release) stay.
    order_line_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str | None] = mapped_column(String(500))  # an adjustment's reason, a return's case
    reference: Mapped[str | None] = mapped_column(String(64))  # delivery note, shipment or case number
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    warehouse: Mapped[StockWarehouse] = relationship(lazy="joined")
    product: Mapped[Product] = relationship(lazy="joined")
    lot: Mapped[StockLot | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<StockMove {self.kind.value} {self.product_id}@{self.warehouse_id}>"


class StockBalance(Model):
    """The running sums of a product's moves in a warehouse: locked (``FOR UPDATE``) by every move."""

    __tablename__ = "stock_balance"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "product_id"),
        Index("ix_stock_balance_company_product", "company_id", "product_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("quarantine >= 0", name="quarantine_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("stock_warehouse.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    on_hand: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    reserved: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    quarantine: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)

    warehouse: Mapped[StockWarehouse] = relationship(lazy="joined")
    product: Mapped[Product] = relationship(lazy="joined")

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class StockLotBalance(Model):
    """The running sums of one lot's moves in a warehouse (on hand, quarantine): reservations are per product."""

    __tablename__ = "stock_lot_balance"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "lot_id"),
        CheckConstraint("on_hand >= 0", name="lot_on_hand_not_negative"),
        CheckConstraint("quarantine >= 0", name="lot_quarantine_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("stock_warehouse.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lot.id"), index=True)
    on_hand: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)
    quarantine: Mapped[Decimal] = mapped_column(Quantity(), default=ZERO)

    lot: Mapped[StockLot] = relationship(lazy="joined", viewonly=True)
    warehouse: Mapped[StockWarehouse] = relationship(lazy="joined")
