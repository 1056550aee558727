"""Marshmallow schemas of the incidents API and of the at-risk state: requests validated, the OpenAPI written."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField
from plugins.logistics.execution.schemas import hours_figure
from plugins.logistics.incidents.models import IncidentKind, IncidentStatus, NoticeStatus
from plugins.logistics.incidents.services import MAX_DELAY, TEXT_MAX
from plugins.logistics.incidents.sweep import MESSAGE_MAX


class PersonSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class IncidentSchema(ma.Schema):
    """An incident on an order or one of its tasks; its description and resolution are internal."""

    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    task_id = ma.fields.Integer(allow_none=True, metadata={"description": "the task it holds up, if any"})
    kind = ma.fields.Enum(IncidentKind, by_value=True)
    delay_hours = hours_figure(metadata={"description": "the expected delay in working hours"})
    description = ma.fields.String()
    status = ma.fields.Enum(IncidentStatus, by_value=True)
    recorded_at = ma.fields.AwareDateTime()
    recorded_by = ma.fields.Nested(PersonSchema, allow_none=True)
    escalated_at = ma.fields.AwareDateTime(allow_none=True)
    escalated_to = ma.fields.List(ma.fields.Integer(), metadata={"description": "ids of the managers it went to"})
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    resolution = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()


class IncidentInputSchema(ma.Schema):
    kind = ma.fields.Enum(IncidentKind, by_value=True, required=True)
    delay_hours = hours_figure(required=True, example="4", validate=validate.Range(
        min=0, max=MAX_DELAY, error="the expected delay cannot be negative; it is from {min} to {max} working hours"),
        metadata={"description": "the expected delay in working hours; not negative"})
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    task_id = IdField(allow_none=True, load_default=None, metadata={"description": "a task of the order"})


class IncidentResolveSchema(ma.Schema):
    resolution = ma.fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class IncidentEscalateSchema(ma.Schema):
    pass


class RiskNoticeSchema(ma.Schema):
    """A notice of a new expected date to the customer: pending the salesperson's confirmation, sent or withdrawn."""

    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    promised_date = ma.fields.Date()
    expected_date = ma.fields.Date()
    reasons = ma.fields.List(ma.fields.Enum(IncidentKind, by_value=True))
    status = ma.fields.Enum(NoticeStatus, by_value=True)
    created_at = ma.fields.AwareDateTime()
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    message = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()


class RiskNoticeConfirmSchema(ma.Schema):
    message = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MESSAGE_MAX),
                               metadata={"description": "words to the customer, added to the notice"})


class RiskSettingsSchema(ma.Schema):
    notify_at_once = ma.fields.Boolean(required=True, metadata={
        "description": "send a new expected date to the customer at once, without the salesperson's confirmation"})
