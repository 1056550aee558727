"""Schemas of the cases API: reporting a problem, resolving a case, the case as shown."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, MoneyField, QuantityField
from core.api.schemas import PricedSchema
from plugins.logistics.cases.models import CaseSource, CaseStatus, CaseType, Resolution
from plugins.logistics.cases.services import DESCRIPTION_MAX, NOTE_MAX


class CaseReportSchema(ma.Schema):
    case_type = ma.fields.Enum(CaseType, by_value=True, required=True)
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=DESCRIPTION_MAX))
    order_line_id = IdField(allow_none=True,
                                      metadata={"description": "the line concerned, if one"})
    quantity = QuantityField(allow_none=True, validate=validate.Range(min=0, min_inclusive=False),
                             metadata={"description": "how much of the line is concerned"})


class CaseResolveSchema(PricedSchema):
    resolution = ma.fields.Enum(Resolution, by_value=True, required=True)
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=NOTE_MAX),
                            metadata={"description": "required when rejected: why"})
    amount = MoneyField(allow_none=True, validate=validate.Range(min=0, min_inclusive=False),
                        metadata={"description": "credit: the amount, at most the line's value; needs "
                                  "``logistics.credit``"})


class CaseReopenSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX))


class CaseSchema(PricedSchema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    number = ma.fields.String()
    case_type = ma.fields.Enum(CaseType, by_value=True)
    source = ma.fields.Enum(CaseSource, by_value=True)
    department = ma.fields.String(metadata={"description": "the role that handles the case"})
    order_line_id = ma.fields.Integer(allow_none=True)
    shipment_id = ma.fields.Integer(allow_none=True)
    quantity = QuantityField(allow_none=True)
    description = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(CaseStatus, by_value=True)
    opened_at = ma.fields.AwareDateTime()
    due_at = ma.fields.AwareDateTime(metadata={"description": "the time limit, in the company's working hours"})
    resolution = ma.fields.Enum(Resolution, by_value=True, allow_none=True)
    resolution_note = ma.fields.String(allow_none=True)
    credit_amount = MoneyField(allow_none=True, metadata={"description": "null without ``order.view_prices``"})
    replacement_shipment_id = ma.fields.Integer(allow_none=True)
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
