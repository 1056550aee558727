"""Marshmallow schemas of invoices' API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, MoneyField, QuantityField, RateField
from core.api.schemas import PageArgsSchema, PricedSchema, page_schema
from plugins.billing.invoices.models import CreditReason, FapiaoType, InvoiceStatus


def Amount(**kwargs) -> ma.fields.Decimal:  # noqa: N802 - reads like a type
    """An amount in an answer: null for a caller who may not see prices (``PricedSchema``)."""
    return MoneyField(allow_none=True, **kwargs)


class InvoiceQuerySchema(PageArgsSchema):
    order_id = IdField(in_query=True)
    status = ma.fields.Enum(InvoiceStatus, by_value=True)
    without_fapiao = ma.fields.Boolean(load_default=False, metadata={
        "description": "only invoices that recorded fapiao do not yet cover"})


class InvoiceSchema(PricedSchema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    order_id = ma.fields.Integer()
    order_number = ma.fields.String(allow_none=True)
    customer_id = ma.fields.Integer()
    customer_name = ma.fields.String()
    currency = ma.fields.String()
    subtotal = Amount()
    tax_total = Amount()
    total = Amount()
    paid = Amount(metadata={"description": "received so far for the order"})
    outstanding = Amount(metadata={"description": "still owed on the order"})
    issued_at = ma.fields.AwareDateTime()
    due_date = ma.fields.Date()
    overdue = ma.fields.Boolean()
    status = ma.fields.Enum(InvoiceStatus, by_value=True)
    paid_at = ma.fields.AwareDateTime(allow_none=True)


InvoicePageSchema = page_schema(InvoiceSchema, "InvoicePageSchema")


class InvoiceLineSchema(PricedSchema):
    line_no = ma.fields.Integer()
    description = ma.fields.String(allow_none=True, metadata={"description": "null: the whole order"})
    specification = ma.fields.String(allow_none=True)
    unit = ma.fields.String(allow_none=True)
    quantity = QuantityField(allow_none=True)
    unit_price = Amount()
    tax_rate = RateField(allow_none=True)
    net_amount = Amount(metadata={"description": "quantity × unit price, rounded half up to the cent"})
    tax_amount = Amount(metadata={"description": "the amount before tax × the rate, rounded half up to the cent"})
    amount = Amount()


class InvoiceVersionSchema(PricedSchema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.Enum(InvoiceStatus, by_value=True)
    issued_at = ma.fields.AwareDateTime()
    total = Amount()
    replaces_id = ma.fields.Integer(allow_none=True)


class CreditNoteSchema(PricedSchema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    invoice_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.Enum(CreditReason, by_value=True)
    note = ma.fields.String(allow_none=True)
    case_number = ma.fields.String(allow_none=True)
    currency = ma.fields.String()
    subtotal = Amount()
    tax_total = Amount()
    total = Amount()
    issued_at = ma.fields.AwareDateTime()
    lines = ma.fields.List(ma.fields.Nested(InvoiceLineSchema))


class FapiaoSchema(PricedSchema):
    id = ma.fields.Integer()
    invoice_id = ma.fields.Integer()
    credit_note_id = ma.fields.Integer(allow_none=True, metadata={"description": "set: a red-letter (红字) fapiao"})
    red = ma.fields.Boolean()
    fapiao_type = ma.fields.Enum(FapiaoType, by_value=True)
    code = ma.fields.String()
    number = ma.fields.String()
    issued_on = ma.fields.Date()
    amount = Amount()
    created_at = ma.fields.AwareDateTime()


class InvoiceDetailSchema(InvoiceSchema):
    version = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(InvoiceLineSchema))
    versions = ma.fields.List(ma.fields.Nested(InvoiceVersionSchema),
                              metadata={"description": "every version of the order's invoice, the first first"})
    credit_notes = ma.fields.List(ma.fields.Nested(CreditNoteSchema),
                                  metadata={"description": "the order's credit notes, the first first"})
    fapiao = ma.fields.List(ma.fields.Nested(FapiaoSchema),
                            metadata={"description": "the fapiao recorded against this version and its credit notes"})


class FapiaoRequestSchema(PricedSchema):
    fapiao_type = ma.fields.Enum(FapiaoType, by_value=True, required=True,
                                 metadata={"description": "special 专票, ordinary 普票, electronic 电子 (全电)"})
    code = ma.fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^(\d{10}|\d{12})?$"),
                            metadata={"description": "发票代码, 10 or 12 digits; empty for a fapiao without one"})
    number = ma.fields.String(required=True, validate=validate.Regexp(r"^(\d{8}|\d{20})$"),
                              metadata={"description": "发票号码, 8 digits (20 on a 全电 fapiao)"})
    issued_on = ma.fields.Date(required=True)
    amount = MoneyField(required=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False),
                        metadata={"description": "价税合计, greater than zero, at most two decimal places",
                                  "example": "2260.00"})
    credit_note_id = IdField(load_default=None, allow_none=True, metadata={
        "description": "a credit note of this invoice: the fapiao is its red-letter one"})
