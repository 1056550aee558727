"""Master data the stages share: customers and products."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models.types import Money, Rate, UTCDateTime, enum_column, utcnow


class PaymentTerms(enum.StrEnum):
    PREPAYMENT = "prepayment"
    CASH_ON_DELIVERY = "cash_on_delivery"
    MONTHLY = "monthly"


class DeliveryMethod(enum.StrEnum):
    EXPRESS = "express"
    FREIGHT = "freight"
    PICKUP = "pickup"


class InvoiceType(enum.StrEnum):
    """The 增值税 invoice a customer wants; none (null) is no invoice."""

    ORDINARY = "ordinary"  # 增值税普通发票
    SPECIAL = "special"  # 增值税专用发票: the buyer deducts its input tax, so it needs every detail


# The invoice profile, as the customer and the order both name it: what a 增值税 invoice prints of the buyer.
INVOICE_FIELDS = ("invoice_type", "invoice_title", "invoice_tax_id", "invoice_bank_account", "invoice_address_phone")
# The longest taxpayer id (the 20-character ones of individual businesses).
TAX_ID_LENGTH = 20


class Customer(Model):
    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(60))
    credit_limit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    payment_terms: Mapped[PaymentTerms] = mapped_column(
        enum_column(PaymentTerms), default=PaymentTerms.CASH_ON_DELIVERY
    )
    # Taken by an order that names none; none here leaves it to the order (express when it names none either).
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(enum_column(DeliveryMethod))
    # The invoice profile orders take by default: the type (none: no invoice wanted), and the buyer's details
    # a 增值税 invoice prints, as registered: 开票抬头, 纳税人识别号, 开户行及账号, 地址、电话. Typed text.
    invoice_type: Mapped[InvoiceType | None] = mapped_column(enum_column(InvoiceType))
    invoice_title: Mapped[str | None] = mapped_column(String(200))
    invoice_tax_id: Mapped[str | None] = mapped_column(String(TAX_ID_LENGTH))
    invoice_bank_account: Mapped[str | None] = mapped_column(String(200))
    invoice_address_phone: Mapped[str | None] = mapped_column(String(200))
    # The language of every document and email the customer gets (none: the company's).
    language: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Customer {self.code}>"


class Product(Model):
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    specification: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    list_price: Mapped[Decimal] = mapped_column(Money())
    floor_price: Mapped[Decimal] = mapped_column(Money())
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0.13"))
    # Calendar days from order to delivery at the soonest; intake warns of a requested date sooner.
    lead_time_days: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Product {self.code}>"


class CustomerPrice(Model):
    """A price agreed with one customer for one product (客户价目表): their lines default to it.

    A customer with a price list orders from it in the portal: their users are offered
    its products only. Staff may still enter any product; without an agreed price a
    line defaults to the product's list price.
    """

    __tablename__ = "customer_price"
    __table_args__ = (UniqueConstraint("customer_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Money())  # net of tax, like a list price
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()
