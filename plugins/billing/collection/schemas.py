"""Marshmallow schemas of collection's API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, MoneyField
from core.api.schemas import PageArgsSchema, PricedSchema, page_schema
from plugins.billing.collection.follow_ups import OUTCOME_MAX
from plugins.billing.collection.hold import REASON_MAX
from plugins.billing.collection.levels import MAX_DAYS, MAX_LEVELS
from plugins.billing.collection.models import DunningChannel, FollowUpKind, HoldSource, NoticeTone, PromiseStatus
from plugins.billing.collection.promises import NOTE_MAX
from plugins.billing.invoices.schemas import Amount


class CollectionLevelSchema(ma.Schema):
    level = ma.fields.Integer(dump_only=True, metadata={"description": "1, 2, ... in the order given"})
    days = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_DAYS), metadata={
        "description": "days past the due date; more than the level before"})
    channel = ma.fields.Enum(DunningChannel, by_value=True, required=True)
    tone = ma.fields.Enum(NoticeTone, by_value=True, required=True, metadata={
        "description": "which text the customer reads"})
    holds_credit = ma.fields.Boolean(load_default=False, metadata={
        "description": "reaching it puts the customer on credit hold"})


class CollectionLevelsSchema(ma.Schema):
    levels = ma.fields.List(ma.fields.Nested(CollectionLevelSchema), required=True,
                            validate=validate.Length(min=1, max=MAX_LEVELS))


class CollectionNoticeQuerySchema(PageArgsSchema):
    customer_id = IdField(in_query=True)
    invoice_id = IdField(in_query=True)


class CollectionNoticeSchema(PricedSchema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    invoice_id = ma.fields.Integer()
    invoice_number = ma.fields.String(attribute="invoice.number")
    level = ma.fields.Integer()
    channel = ma.fields.Enum(DunningChannel, by_value=True)
    days_overdue = ma.fields.Integer()
    owed = Amount(metadata={"description": "what the invoice owed when the notice was queued"})
    currency = ma.fields.String()
    sent_at = ma.fields.AwareDateTime()
    recipient = ma.fields.String(allow_none=True, metadata={"description": "null: a call, or no email address"})


CollectionNoticePageSchema = page_schema(CollectionNoticeSchema, "CollectionNoticePageSchema")


class CollectionPromiseRequestSchema(PricedSchema):
    invoice_id = IdField(load_default=None, metadata={
        "description": "the customer's invoice promised; omitted, the promise covers their account"})
    amount = MoneyField(required=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False), metadata={
        "description": "greater than zero, at most what is open on the invoice (or the account)",
        "example": "1000.00"})
    promised_for = ma.fields.Date(required=True, metadata={"description": "today or later, in the company's zone"})
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=NOTE_MAX))


class CollectionPromiseSchema(PricedSchema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    invoice_id = ma.fields.Integer(allow_none=True)
    invoice_number = ma.fields.Function(lambda p: p.invoice.number if p.invoice is not None else None,
                                        metadata={"type": "string", "nullable": True})
    amount = Amount()
    currency = ma.fields.String()
    promised_for = ma.fields.Date()
    owed_at_promise = Amount()
    note = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(PromiseStatus, by_value=True)
    made_by = ma.fields.String(attribute="made_by.name")
    made_at = ma.fields.AwareDateTime()
    settled_at = ma.fields.AwareDateTime(allow_none=True)


class CollectionFollowUpRequestSchema(ma.Schema):
    invoice_id = IdField(load_default=None, metadata={"description": "the customer's invoice it was about"})
    kind = ma.fields.Enum(FollowUpKind, by_value=True, required=True)
    outcome = ma.fields.String(required=True, validate=validate.Length(min=1, max=OUTCOME_MAX))


class CollectionFollowUpSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    invoice_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.Enum(FollowUpKind, by_value=True)
    outcome = ma.fields.String()
    by = ma.fields.String(attribute="by.name")
    at = ma.fields.AwareDateTime()


class CollectionReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(max=REASON_MAX), metadata={
        "description": "why; an empty one is a 400 naming ``reason``"})


class CollectionHoldSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_id = ma.fields.Integer()
    source = ma.fields.Enum(HoldSource, by_value=True)
    reason = ma.fields.String()
    placed_at = ma.fields.AwareDateTime()
    released_at = ma.fields.AwareDateTime(allow_none=True)
    release_reason = ma.fields.String(allow_none=True)


class CollectionHoldStateSchema(ma.Schema):
    on_hold = ma.fields.Boolean()
    hold = ma.fields.Nested(CollectionHoldSchema, allow_none=True,
                            metadata={"description": "the hold in force, or null"})
