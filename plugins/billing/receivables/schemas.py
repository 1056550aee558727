"""Marshmallow schemas of receivables' API: the ageing report's query and its answer."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api.fields import MONEY_FLAG
from core.api.schemas import PricedSchema
from plugins.billing.receivables.ageing import GroupBy, View
from plugins.billing.receivables.buckets import MAX_BOUNDS, MAX_DAYS
from plugins.billing.invoices.schemas import Amount


class AgeingQuerySchema(ma.Schema):
    # Text, checked by the service: a day too far ahead is refused naming as_of, as a malformed one is.
    as_of = ma.fields.String(load_default=None, metadata={
        "description": "the day the report is as of (YYYY-MM-DD), at most a year after today; default: today "
                       "in the company's time zone", "example": "2026-03-31"})
    group_by = ma.fields.String(load_default=None, metadata={
        "description": "customer (default) or salesperson (the user who entered the order)",
        "enum": [member.value for member in GroupBy]})
    view = ma.fields.String(load_default=None, metadata={
        "description": "days (default): the company's buckets (by default not yet due, 1-30, 31-60, 61-90, "
                       "91-180, over 180 days past due); years: within 1 year, 1-2, 2-3, over 3 years past due",
        "enum": [member.value for member in View]})


class AgeingBucketSchema(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()
    first_day = ma.fields.Integer(allow_none=True, metadata={"description": "days past due from (null: any)"})
    last_day = ma.fields.Integer(allow_none=True, metadata={"description": "days past due to (null: any)"})


def _amounts() -> ma.fields.List:
    return ma.fields.List(Amount(), allow_none=True, metadata={
        MONEY_FLAG: True, "description": "what was open on as_of, one figure per bucket, in their order; null "
                                         "for a caller who may not see prices"})


class AgeingRowSchema(PricedSchema):
    key = ma.fields.Integer(allow_none=True, metadata={
        "description": "the customer's or salesperson's id; null: no salesperson, or the totals"})
    name = ma.fields.String()
    currency = ma.fields.String()
    amounts = _amounts()
    total = Amount()
    counts = ma.fields.List(ma.fields.Integer(), metadata={"description": "invoices behind each figure"})
    invoices = ma.fields.Integer()


class AgeingSchema(PricedSchema):
    as_of = ma.fields.Date()
    group_by = ma.fields.Enum(GroupBy, by_value=True)
    view = ma.fields.Enum(View, by_value=True)
    buckets = ma.fields.List(ma.fields.Nested(AgeingBucketSchema))
    rows = ma.fields.List(ma.fields.Nested(AgeingRowSchema))
    totals = ma.fields.List(ma.fields.Nested(AgeingRowSchema), metadata={
        "description": "per currency: the receivables on as_of"})


class AgeingBucketsSchema(ma.Schema):
    bounds = ma.fields.List(
        ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_DAYS)), required=True,
        validate=validate.Length(min=1, max=MAX_BOUNDS), metadata={
            "description": "the last day past due of each bucket, rising: 30, 60, 90, 180 make not yet due, "
                           "1-30, 31-60, 61-90, 91-180 and over 180 days", "example": [30, 60, 90, 180]})
    buckets = ma.fields.List(ma.fields.Nested(AgeingBucketSchema), dump_only=True)
