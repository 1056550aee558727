"""The order aggregate: header, lines and the enums that describe them.

Only the event functions of ``core.orders.events`` write ``Order.status``;
everything else reads it.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models.masterdata import Customer, DeliveryMethod, InvoiceType, PaymentTerms, Product
from core.models.types import Money, Quantity, Rate, UTCDateTime, enum_column, insert_sentinel, utcnow


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for review
    APPROVED = "approved"
    # Work on the goods has begun (logistics: the plan's first production task started); only
    # orders pinned with logistics pass through it, and an order with nothing to produce skips it.
    IN_PRODUCTION = "in_production"
    REJECTED = "rejected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # signed for by the customer
    COMPLETED = "completed"  # delivered and settled
    CANCELLED = "cancelled"


class Channel(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEBSITE = "website"
    ECOMMERCE = "ecommerce"
    SALES_REP = "sales_rep"
    PORTAL = "portal"
    API = "api"


# An order keeps a taxpayer id as typed, even a wrong one (the checks name it): room for a mistyped one.
ORDER_TAX_ID_LENGTH = 40

# The columns the order list sorts by (core.order_list), each indexed with company_id and id.
ORDER_LIST_SORTS = ("number", "created_at", "submitted_at", "requested_date", "total")


class Order(Model):
    __tablename__ = "order"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        # "The company's open orders" is asked on every request (modules in use, inboxes).
        Index("ix_order_company_status", "company_id", "status"),
        # The drafts waiting in the inbox, oldest first, without walking the settled orders before them.
        Index("ix_order_company_status_created_at_id", "company_id", "status", "created_at", "id"),
        # By the day they should leave by, the promised else the requested one (logistics' orders to ship, each
        # status's first): those promised by the promised date, the others by the requested one.
        # The orders waiting longest in a status (supervision's stuck orders), from the index alone.
        Index("ix_order_company_status_status_changed_at", "company_id", "status", "status_changed_at", "id"),
        Index("ix_order_company_status_promised_requested", "company_id", "status", "promised_date", "requested_date",
              "id"),
        # The order list's keyset pages (core.listview): one per sortable column, ending in the tiebreaker.
        *(Index(f"ix_order_company_{column}_id", "company_id", column, "id")
          for column in ORDER_LIST_SORTS),
        # A customer's other orders by status, with their totals (review's credit limit and history rules), from
        # the index alone: the platform customer's 40,000 orders are not read row by row.
        Index("ix_order_company_customer_status", "company_id", "customer_id", "status", "submitted_at", "total"),
        # Duplicates and re-imports are found by the channel's own reference.
        Index("ix_order_company_source_reference", "company_id", "source_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    customer_reference: Mapped[str | None] = mapped_column(String(64))
    # Where the order came from, as the channel names it: the platform's order id, the
    # email's subject and date, the caller. Typed text, kept as entered.
    source_reference: Mapped[str | None] = mapped_column(String(200))
    # When the order reached the company, which may be before it was entered: the
    # processing-timeliness KPI measures receipt to submission.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contact: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    delivery_address: Mapped[str | None] = mapped_column(Text)
    requested_date: Mapped[date] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    payment_terms: Mapped[PaymentTerms] = mapped_column(enum_column(PaymentTerms))
    delivery_method: Mapped[DeliveryMethod] = mapped_column(enum_column(DeliveryMethod))
    # The invoice wanted (none: no invoice) and the buyer's details it prints, as entered or taken from
    # the customer's invoice profile; typed text, checked before submission (plugins.intake.checks).
    invoice_type: Mapped[InvoiceType | None] = mapped_column(enum_column(InvoiceType))
    invoice_title: Mapped[str | None] = mapped_column(String(200))
    invoice_tax_id: Mapped[str | None] = mapped_column(String(ORDER_TAX_ID_LENGTH))
    invoice_bank_account: Mapped[str | None] = mapped_column(String(200))
    invoice_address_phone: Mapped[str | None] = mapped_column(String(200))
    # Any other invoice requirements, free text.
    invoice_requirements: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    notes: Mapped[str | None] = mapped_column(Text)

    status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus), default=OrderStatus.DRAFT, index=True
    )
    revision: Mapped[int] = mapped_column(default=1)

    subtotal: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    tax_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_in_full_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the order took its current status: set by the event that changed it (core.orders.events), else when
    # it was created (a draft).
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Row version: concurrent writers of the same order resolve to one winner.
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship(lazy="joined")
    # The modules switched on for the company when the order was submitted;
    # the order finishes under this set whatever is toggled later.
    module_rows: Mapped[list[OrderModule]] = relationship(
        cascade="all, delete-orphan", order_by="OrderModule.module", lazy="selectin"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="OrderLine.line_no",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_number(self) -> str:
        return self.number or f"#{self.id}"

    @property
    def pinned_modules(self) -> list[str] | None:
        """The modules pinned at submission, sorted; None for an order never submitted."""
        if self.submitted_at is None:
            return None
        return [row.module for row in self.module_rows]

    def has_module(self, name: str) -> bool:
        """Whether ``name`` was switched on for this order when it was submitted."""
        return name in (self.pinned_modules or ())

    def __repr__(self) -> str:
        return f"<Order {self.display_number} {self.status}>"


class OrderLine(Model):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lets SQLite insert an order's lines in one INSERT ... RETURNING (see ``core.models.types.insert_sentinel``).
    _sentinel: Mapped[int | None] = insert_sentinel()
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    description: Mapped[str] = mapped_column(String(200))
    specification: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Rate())
    net_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")


class OrderModule(Model):
    """One module pinned on an order: the pinned set, queryable in SQL."""

    __tablename__ = "order_module"
    __table_args__ = (Index("ix_order_module_module", "module", "order_id"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), primary_key=True)
    module: Mapped[str] = mapped_column(String(64), primary_key=True)
