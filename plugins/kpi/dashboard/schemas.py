"""Marshmallow schemas of the kpi API: they validate the query and write the OpenAPI document."""
from __future__ import annotations

import marshmallow as ma

from core.api.fields import MONEY_FLAG, RateField
from core.api.schemas import PricedSchema
from plugins.kpi.facts.models import KpiEventKind
from plugins.kpi.indicators.schemas import IndicatorsSchema
from plugins.kpi.indicators.services import Dimension


class PeriodQuerySchema(ma.Schema):
    by = ma.fields.Enum(Dimension, by_value=True, load_default=Dimension.COMPANY, metadata={
        "description": "How the indicators are broken down; an indicator without that breakdown is null."})
    date_from = ma.fields.Date(
        load_default=None, metadata={"description": "First day counted; default: 29 days before date_to."})
    date_to = ma.fields.Date(
        load_default=None, metadata={"description": "Last day counted; default: today, in the company's time zone."})


CountsSchema = ma.Schema.from_dict(
    {kind.value: ma.fields.Integer(required=True) for kind in KpiEventKind}, name="KpiCountsSchema"
)


class KpiSchema(PricedSchema):
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    counts = ma.fields.Nested(CountsSchema, metadata={"description": "Facts per event kind in the period."})
    approval_rate = RateField(
        allow_none=True,
        metadata={"description": "Approved orders / review decisions, 0 to 1; null when nothing was decided."})
    average_decision_hours = ma.fields.Decimal(
        places=2, as_string=True, allow_none=True,
        metadata={MONEY_FLAG: False,
                  "description": "Mean hours from submission to review decision; null when nothing was decided."})
    indicators = ma.fields.Nested(IndicatorsSchema, metadata={
        "description": "The procedure's four indicators over the period (formulas: docs/kpi.md)."})
    # A sum over the period may outgrow one amount's column: a decimal string of any length.
    collected = ma.fields.Decimal(places=2, as_string=True, allow_none=True,
                                  metadata={MONEY_FLAG: True, "description":
                                            "Sum of confirmed payments less those reversed in the period."})
