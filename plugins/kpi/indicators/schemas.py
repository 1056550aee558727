"""Schemas of the indicators in the API: each figure with its key, counts or amounts, and rate."""
from __future__ import annotations

import marshmallow as ma

from core.api.fields import MONEY_FLAG, RateField
from core.api.schemas import PricedSchema
from plugins.kpi.indicators.services import Dimension


class KeySchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "The person's or customer's id; null for "
                                                                       "the company and for departments."})
    code = ma.fields.String(allow_none=True, metadata={
        "description": "The department's or customer's code, or the kind of stage work (intake, review, execution, "
                       "case)."})
    name = ma.fields.String(allow_none=True, metadata={"description": "The person's or customer's name."})


class TimelinessSchema(ma.Schema):
    key = ma.fields.Nested(KeySchema)
    done = ma.fields.Integer(metadata={
        "description": "Stage tasks done in the period: intake, review steps, execution tasks, problem cases."})
    timed = ma.fields.Integer(metadata={"description": "Of which had a limit."})
    on_time = ma.fields.Integer(metadata={"description": "Of which were done within it."})
    rate = RateField(allow_none=True, metadata={"description": "on_time / timed, 0 to 1; null without a limit."})


class AccuracySchema(ma.Schema):
    key = ma.fields.Nested(KeySchema)
    delivered = ma.fields.Integer(metadata={"description": "Orders delivered in the period."})
    accurate = ma.fields.Integer(metadata={
        "description": "Of which with no correction, no refused or reserved line and no problem case."})
    rate = RateField(allow_none=True, metadata={"description": "accurate / delivered, 0 to 1."})


class SatisfactionSchema(ma.Schema):
    key = ma.fields.Nested(KeySchema)
    rated = ma.fields.Integer(metadata={"description": "Deliveries rated in the period."})
    average = ma.fields.Decimal(places=2, as_string=True, allow_none=True,
                                metadata={MONEY_FLAG: False, "description": "Average rating, 1 to 5."})
    high_share = RateField(allow_none=True, metadata={"description": "Share of ratings of 4 or 5, 0 to 1."})


class CollectionSchema(PricedSchema):
    key = ma.fields.Nested(KeySchema)
    due = ma.fields.Decimal(places=2, as_string=True, metadata={MONEY_FLAG: True,
                                                                "description": "Amount falling due in the period."})
    collected = ma.fields.Decimal(places=2, as_string=True, metadata={
        MONEY_FLAG: True, "description": "Collected in the period: payments less reversals."})
    outstanding = ma.fields.Decimal(places=2, as_string=True, metadata={
        MONEY_FLAG: True, "description": "Due up to the period's end less collected up to it."})
    rate = ma.fields.Decimal(places=4, as_string=True, allow_none=True, metadata={
        MONEY_FLAG: False, "description": "collected / due (above 1 when earlier dues were collected too); null "
                                          "when nothing fell due."})
    dso = ma.fields.Decimal(places=1, as_string=True, allow_none=True, metadata={
        MONEY_FLAG: False, "description": "Days sales outstanding: outstanding / due x days of the period."})


class IndicatorsSchema(ma.Schema):
    by = ma.fields.Enum(Dimension, by_value=True)
    timeliness = ma.fields.List(ma.fields.Nested(TimelinessSchema), allow_none=True, metadata={
        "description": "Order processing timeliness rate; by company, department, person or stage (null "
                       "otherwise)."})
    accuracy = ma.fields.List(ma.fields.Nested(AccuracySchema), allow_none=True, metadata={
        "description": "Order accuracy rate; by company, customer or salesperson (null otherwise)."})
    satisfaction = ma.fields.List(ma.fields.Nested(SatisfactionSchema), allow_none=True, metadata={
        "description": "Customer satisfaction; by company, customer or salesperson (null otherwise)."})
    collection = ma.fields.List(ma.fields.Nested(CollectionSchema), allow_none=True, metadata={
        "description": "Collection rate and DSO; by company, customer or salesperson (null otherwise)."})
