"""Marshmallow schemas of payments' API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, MoneyField
from core.api.schemas import PricedSchema
from core.models import OrderStatus
from plugins.billing.invoices.schemas import Amount, InvoiceSchema
from plugins.billing.payments.models import PaymentMethod


class PaymentRequestSchema(PricedSchema):
    order_id = IdField(required=True)
    amount = MoneyField(
        required=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False),
        metadata={"description": "a decimal string greater than zero, at most two decimal places",
                  "example": "1130.00"},
    )
    received_at = ma.fields.AwareDateTime(
        load_default=None, metadata={"description": "when the money arrived, with its time zone; now when omitted"}
    )
    method = ma.fields.Enum(PaymentMethod, by_value=True, load_default=PaymentMethod.BANK_TRANSFER)
    reference = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120),
                                 metadata={"description": "the bank's or the customer's reference"})


class PaymentSchema(PricedSchema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    invoice_id = ma.fields.Integer(allow_none=True)
    amount = Amount()
    received_at = ma.fields.AwareDateTime()
    method = ma.fields.Enum(PaymentMethod, by_value=True)
    reference = ma.fields.String(allow_none=True)
    is_prepayment = ma.fields.Boolean()
    recorded_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class PaymentResultSchema(PaymentSchema):
    order_status = ma.fields.Enum(OrderStatus, by_value=True)
    fully_paid = ma.fields.Boolean()
    outstanding = Amount()


class OrderPaymentsSchema(PricedSchema):
    order_id = ma.fields.Integer()
    currency = ma.fields.String()
    total = Amount()
    paid = Amount()
    outstanding = Amount()
    fully_paid = ma.fields.Boolean()
    invoice = ma.fields.Nested(InvoiceSchema, allow_none=True)
    items = ma.fields.List(ma.fields.Nested(PaymentSchema))
