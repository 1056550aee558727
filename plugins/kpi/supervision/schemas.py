"""Marshmallow schemas of the violation channel's API."""
from __future__ import annotations

import marshmallow as ma

from plugins.kpi.supervision.models import ViolationStatus
from plugins.kpi.supervision.violations import SUBJECT_MAX, TEXT_MAX


class ReportInSchema(ma.Schema):
    subject = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=SUBJECT_MAX))
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=TEXT_MAX))
    order = ma.fields.String(load_default=None, validate=ma.validate.Length(max=32),
                             metadata={"description": "the number of the order concerned, if any"})


class ReportReceiptSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.Enum(ViolationStatus, by_value=True)


class FollowUpSchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    author = ma.fields.String(attribute="author.name")
    note = ma.fields.String()


class ReportSchema(ma.Schema):
    id = ma.fields.Integer()
    reported_at = ma.fields.AwareDateTime()
    reporter = ma.fields.String(attribute="reporter.name", metadata={"description": "for supervisors only"})
    subject = ma.fields.String()
    description = ma.fields.String()
    order = ma.fields.String(attribute="order.number", allow_none=True)
    status = ma.fields.Enum(ViolationStatus, by_value=True)
    outcome = ma.fields.String(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    follow_ups = ma.fields.List(ma.fields.Nested(FollowUpSchema))
