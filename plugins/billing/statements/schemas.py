"""Marshmallow schemas of statements' API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, MoneyField, UploadField
from core.api.schemas import PageArgsSchema, PricedSchema, page_schema
from plugins.billing.statements.models import DisputeStatus, LineKind, MonthlyInvoicing, Resolution, StatementStatus
from plugins.billing.statements.services import ANSWER_MAX, ATTACHMENT_MAX_BYTES, REASON_MAX


def Amount(**kwargs) -> ma.fields.Decimal:  # noqa: N802 - reads like a type
    """An amount in an answer, negative where it takes off the balance: null for a caller without prices."""
    return MoneyField(allow_none=True, validate=None, **kwargs)


class StatementQuerySchema(PageArgsSchema):
    customer_id = IdField(in_query=True)
    status = ma.fields.Enum(StatementStatus, by_value=True)


class StatementSchema(PricedSchema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    customer_id = ma.fields.Integer()
    customer_name = ma.fields.String(attribute="customer.name")
    statement_date = ma.fields.Date(metadata={"description": "the period ends when this day ends"})
    period_start = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "where the previous statement ended; on the customer's first, the start of the day "
                       "(in the company's time zone) of their first entry; null only on a first statement "
                       "made before this rule"})
    period_end = ma.fields.AwareDateTime()
    previous_id = ma.fields.Integer(allow_none=True)
    currency = ma.fields.String()
    opening_balance = Amount(metadata={"description": "the previous statement's closing balance"})
    debits = Amount(metadata={"description": "invoiced in the period"})
    credits = Amount(metadata={"description": "credited and paid in the period"})
    closing_balance = Amount(metadata={"description": "opening balance + debits − credits"})
    status = ma.fields.Enum(StatementStatus, by_value=True)
    created_at = ma.fields.AwareDateTime()
    answered_at = ma.fields.AwareDateTime(allow_none=True)
    confirmed_at = ma.fields.AwareDateTime(allow_none=True)


StatementPageSchema = page_schema(StatementSchema, "StatementPageSchema")


class StatementLineSchema(PricedSchema):
    id = ma.fields.Integer()
    line_no = ma.fields.Integer()
    kind = ma.fields.Enum(LineKind, by_value=True)
    order_id = ma.fields.Integer(allow_none=True)
    order_number = ma.fields.String(allow_none=True)
    reference = ma.fields.String(allow_none=True)
    entry_at = ma.fields.AwareDateTime()
    amount = Amount(metadata={"description": "as the document states it"})
    effect = Amount(metadata={"description": "on the balance: + invoiced, − credited or paid, 0 a delivery"})


class StatementDisputeSchema(PricedSchema):
    id = ma.fields.Integer()
    line_no = ma.fields.Integer(attribute="line.line_no")
    reason = ma.fields.String()
    status = ma.fields.Enum(DisputeStatus, by_value=True)
    disputed_at = ma.fields.AwareDateTime()
    resolution = ma.fields.Enum(Resolution, by_value=True, allow_none=True)
    answer = ma.fields.String(allow_none=True)
    credit_note_id = ma.fields.Integer(allow_none=True)
    resolved_at = ma.fields.AwareDateTime(allow_none=True)


class StatementAttachmentSchema(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    uploaded_at = ma.fields.AwareDateTime()


class StatementDetailSchema(StatementSchema):
    lines = ma.fields.List(ma.fields.Nested(StatementLineSchema))
    disputes = ma.fields.List(ma.fields.Nested(StatementDisputeSchema))
    attachments = ma.fields.List(ma.fields.Nested(StatementAttachmentSchema))


class DisputedLineSchema(ma.Schema):
    line_no = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX),
                              metadata={"description": "why the line is wrong, in the customer's words"})


class DisputeRequestSchema(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(DisputedLineSchema), required=True,
                           validate=validate.Length(min=1, max=1000))


class ResolveRequestSchema(PricedSchema):
    resolution = ma.fields.Enum(Resolution, by_value=True, required=True, metadata={
        "description": "correction: a credit note of ``amount`` on the line's order; explanation: the line stands"})
    answer = ma.fields.String(required=True, validate=validate.Length(min=1, max=ANSWER_MAX))
    amount = MoneyField(load_default=None, allow_none=True,
                        validate=validate.Range(min=Decimal("0"), min_inclusive=False),
                        metadata={"description": "a correction's amount, tax included; none for an explanation"})


class StatementAttachmentUploadSchema(ma.Schema):
    file = UploadField(required=True, metadata={
        "type": "string", "format": "binary",
        "description": f"the stamped statement: PNG, JPEG or PDF of at most "
                       f"{ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB"})


class StatementDaySchema(ma.Schema):
    statement_day = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=31),
                                      metadata={"description": "1 to 31; past a month's end, its last day"})
    customer_id = IdField(load_default=None, allow_none=True, metadata={
        "description": "a customer's own statement day (from their contract); none: the company's"})


class StatementDaysSchema(ma.Schema):
    statement_day = ma.fields.Integer()
    customers = ma.fields.List(ma.fields.Dict())


class MonthlyInvoicingSchema(ma.Schema):
    monthly_invoicing = ma.fields.Enum(MonthlyInvoicing, by_value=True, required=True, metadata={
        "description": "when monthly-settlement orders are invoiced: `at_delivery`, or `with_statement` (the "
                       "statement run issues the period's invoices, dated on the statement day)"})
