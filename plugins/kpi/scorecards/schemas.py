"""Schemas of the scorecards and targets in the API."""
from __future__ import annotations

import marshmallow as ma

from core.api.fields import MONEY_FLAG
from plugins.kpi.indicators.services import Indicator
from plugins.kpi.scorecards.models import Flag

TARGET = {MONEY_FLAG: False}


class ScorecardQuerySchema(ma.Schema):
    subject = ma.fields.String(load_default=None, validate=ma.validate.Length(max=80), metadata={
        "description": "department:<code> (sales, finance, production, logistics) or person:<user id>; "
                       "default: the caller."})
    period = ma.fields.String(load_default=None, validate=ma.validate.Length(max=7), metadata={
        "description": "A month (2026-03) or a quarter (2026-Q1), in the company's time zone; default: this "
                       "month."})


class TrendSchema(ma.Schema):
    period = ma.fields.String()
    value = ma.fields.Decimal(places=4, as_string=True, allow_none=True, metadata=TARGET)


class ChasingSchema(ma.Schema):
    notices = ma.fields.Integer(metadata={"description": "Dunning notices sent in the period for the orders the "
                                                         "person entered."})
    promised = ma.fields.Integer(metadata={"description": "Promises to pay the person took in the period."})
    kept = ma.fields.Integer(metadata={"description": "Promises of theirs found kept in the period."})
    broken = ma.fields.Integer(metadata={"description": "Promises of theirs found broken in the period."})


class LineSchema(ma.Schema):
    indicator = ma.fields.Enum(Indicator, by_value=True)
    value = ma.fields.Decimal(places=4, as_string=True, allow_none=True, metadata={
        MONEY_FLAG: False, "description": "A rate from 0 to 1, or the average rating for satisfaction."})
    target = ma.fields.Decimal(places=4, as_string=True, allow_none=True, metadata=TARGET)
    penalty_below = ma.fields.Decimal(places=4, as_string=True, allow_none=True, metadata=TARGET)
    trend = ma.fields.List(ma.fields.Nested(TrendSchema), metadata={"description": "The two periods before and "
                                                                                    "this one, oldest first."})
    proposed = ma.fields.Enum(Flag, by_value=True, allow_none=True, metadata={
        "description": "reward when the value reaches the target, penalty under penalty_below."})
    confirmed = ma.fields.Enum(Flag, by_value=True, allow_none=True)
    confirmed_by = ma.fields.String(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)
    chasing = ma.fields.Nested(ChasingSchema, allow_none=True, metadata={
        "description": "A person's collection line only: what collecting took in the period."})


class ScorecardSchema(ma.Schema):
    subject = ma.fields.String()
    period = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(LineSchema))


class TargetSchema(ma.Schema):
    indicator = ma.fields.Enum(Indicator, by_value=True, required=True)
    target = ma.fields.Decimal(places=4, as_string=True, required=True, allow_none=True, metadata={
        **TARGET, "description": "0 to 1 (satisfaction: 1 to 5); null removes the target."})
    penalty_below = ma.fields.Decimal(places=4, as_string=True, load_default=None, allow_none=True, metadata=TARGET)


class TargetsSchema(ma.Schema):
    targets = ma.fields.List(ma.fields.Nested(TargetSchema), required=True)
