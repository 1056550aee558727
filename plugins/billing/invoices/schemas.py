"""Marshmallow schemas of invoices' API: they validate requests and write the OpenAPI document."""
from __future__ import annotations


import marshmallow as ma

from core.api.fields import IdField, MoneyField
from core.api.schemas import PageArgsSchema, PricedSchema, page_schema
from plugins.billing.invoices.models import InvoiceStatus


def Amount(**kwargs) -> ma.fields.Decimal:  # noqa: N802 - reads like a type
    """An amount in an answer: null for a caller who may not see prices (``PricedSchema``)."""
    return MoneyField(allow_none=True, **kwargs)


class InvoiceQuerySchema(PageArgsSchema):
    order_id = IdField(in_query=True)
    status = ma.fields.Enum(InvoiceStatus, by_value=True)


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
