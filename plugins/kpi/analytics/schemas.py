"""Marshmallow schemas of analytics' API: the queries (checked by the services, which name a bad field) and
the answers, amounts null for a caller who may not see prices."""
from __future__ import annotations

import marshmallow as ma

from core.api.fields import MONEY_FLAG
from core.api.schemas import PricedSchema
from plugins.kpi.analytics.period import DEFAULT_MONTHS, MAX_MONTHS
from plugins.kpi.analytics.rfm import Segment


class PeriodQuerySchema(ma.Schema):
    as_of = ma.fields.String(load_default=None, metadata={
        "description": "the period's last day (YYYY-MM-DD); default: today in the company's time zone",
        "example": "2026-11-30"})
    months = ma.fields.String(load_default=None, metadata={
        "description": f"the period's length in months, 1 to {MAX_MONTHS}; default {DEFAULT_MONTHS}",
        "example": "12"})


class RfmQuerySchema(PeriodQuerySchema):
    recency_days = ma.fields.String(load_default=None, metadata={
        "description": "recent: a last order within this many days of as_of; default: the median customer's"})
    frequency = ma.fields.String(load_default=None, metadata={
        "description": "frequent: at least this many orders in the period; default: the median"})
    monetary = ma.fields.String(load_default=None, metadata={
        "description": "valuable: at least this amount in the period; default: the median", "example": "10000.00"})


def _amount(description: str) -> ma.fields.Decimal:
    return ma.fields.Decimal(places=2, as_string=True, allow_none=True,
                             metadata={MONEY_FLAG: True, "description": description})


def _rate(description: str) -> ma.fields.Decimal:
    return ma.fields.Decimal(places=4, as_string=True, allow_none=True,
                             metadata={MONEY_FLAG: False, "description": description})


class RegionSchema(PricedSchema):
    province = ma.fields.String(allow_none=True, metadata={"description": "null: customers without a province"})
    city = ma.fields.String(allow_none=True, metadata={"description": "null: the province's total, or no city"})
    orders = ma.fields.Integer()
    amount = _amount("the orders' total in the period")
    previous_orders = ma.fields.Integer()
    previous_amount = _amount("the orders' total in the previous period")
    orders_growth = _rate("(orders - previous_orders) / previous_orders; null when previous_orders is 0")
    amount_growth = ma.fields.Decimal(places=4, as_string=True, allow_none=True, metadata={
        MONEY_FLAG: True, "description": "(amount - previous_amount) / previous_amount; null from nothing"})


class ProvinceSchema(RegionSchema):
    cities = ma.fields.List(ma.fields.Nested(RegionSchema))


class PeriodSchema(ma.Schema):
    as_of = ma.fields.Date()
    months = ma.fields.Integer()
    first_day = ma.fields.Date()
    previous_first_day = ma.fields.Date(metadata={"description": "first day of the period compared with"})
    currency = ma.fields.String()


class RegionsSchema(PricedSchema):
    period = ma.fields.Nested(PeriodSchema)
    provinces = ma.fields.List(ma.fields.Nested(ProvinceSchema))
    total = ma.fields.Nested(RegionSchema)


class ThresholdsSchema(PricedSchema):
    recent_since = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "a last order at or after this moment is recent"})
    recency_days = ma.fields.Integer(allow_none=True)
    frequency = ma.fields.Decimal(as_string=True, allow_none=True, metadata={
        MONEY_FLAG: False, "description": "at least this many orders is high (a median may end in .5)"})
    monetary = _amount("an amount at or above this is high")
    given = ma.fields.List(ma.fields.String(), metadata={"description": "the thresholds set; the others are medians"})


class SegmentSchema(PricedSchema):
    code = ma.fields.Enum(Segment, by_value=True, metadata={"description": "recency, frequency, monetary: H or L"})
    label = ma.fields.String()
    customers = ma.fields.Integer()
    orders = ma.fields.Integer()
    amount = _amount("the segment's customers' orders in the period")


class CustomersSchema(PricedSchema):
    period = ma.fields.Nested(PeriodSchema)
    customers = ma.fields.Integer(metadata={"description": "customers who ordered in the period"})
    thresholds = ma.fields.Nested(ThresholdsSchema)
    segments = ma.fields.List(ma.fields.Nested(SegmentSchema))
