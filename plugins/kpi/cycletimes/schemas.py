"""Schemas of the cycle times in the API."""
from __future__ import annotations

import marshmallow as ma

from plugins.kpi.dashboard.schemas import PeriodQuerySchema


class CycleTimesQuerySchema(ma.Schema):
    date_from = PeriodQuerySchema().fields["date_from"]
    date_to = PeriodQuerySchema().fields["date_to"]


class CycleTimeSchema(ma.Schema):
    stage = ma.fields.String(metadata={"description": "intake, review, execution or case (each per department) or "
                                                      "lead_time (the order's submission to its delivery)."})
    department = ma.fields.String(allow_none=True)
    count = ma.fields.Integer(metadata={"description": "Pieces of work done (orders delivered) in the period."})
    median_seconds = ma.fields.Integer(metadata={"description": "Median duration (nearest rank), in seconds."})
    p90_seconds = ma.fields.Integer(metadata={"description": "90th percentile (nearest rank), in seconds."})
    average_seconds = ma.fields.Integer()


class CycleTimesSchema(ma.Schema):
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    stages = ma.fields.List(ma.fields.Nested(CycleTimeSchema))
