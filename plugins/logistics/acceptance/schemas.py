"""Schemas of the acceptance API: the verdict per shipped line, the rating and comment, the refusal reasons."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, QuantityField, UploadField
from plugins.logistics.acceptance.models import RecordedAs, Verdict
from plugins.logistics.acceptance.services import (
    ATTACHMENT_MAX_BYTES, COMMENT_MAX, NOTE_MAX, REASON_CODE_MAX, REASONS_MAX, REOPEN_DAYS_MAX,
)
from plugins.logistics.shipments.services import RESERVATIONS_MAX, SIGNED_BY_MAX


class LineVerdictInSchema(ma.Schema):
    shipment_line_id = IdField(required=True,
                                         metadata={"description": "a line of this shipment (its ``lines[].id``)"})
    verdict = ma.fields.Enum(Verdict, by_value=True, required=True)
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=NOTE_MAX),
                            metadata={"description": "the reservation (required with reservations), or what was wrong"})
    refused_quantity = QuantityField(allow_none=True, validate=validate.Range(min=0, min_inclusive=False),
                                     metadata={"description": "refused: how much (the whole line when left out)"})
    reason = ma.fields.String(allow_none=True, validate=validate.Length(max=REASON_CODE_MAX),
                              metadata={"description": "refused: one of the company's refusal reasons"})


class AcceptanceSchema(ma.Schema):
    """The whole shipment signed for (``lines`` left out: every line accepted), or a verdict per line."""

    signed_by = ma.fields.String(validate=validate.Length(min=1, max=SIGNED_BY_MAX),
                                 metadata={"description": "who signed for the goods; required without ``lines``, "
                                           "the recording user's name by default with them"})
    reservations = ma.fields.String(allow_none=True, validate=validate.Length(max=RESERVATIONS_MAX),
                                    metadata={"description": "without ``lines``: the whole shipment accepted with "
                                              "reservations"})
    lines = ma.fields.List(ma.fields.Nested(LineVerdictInSchema), allow_none=True,
                           validate=validate.Length(min=1, max=1000))
    rating = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=5),
                               metadata={"description": "the customer's satisfaction, 1 (poor) to 5 (excellent)"})
    comment = ma.fields.String(allow_none=True, validate=validate.Length(max=COMMENT_MAX))
    on_behalf = ma.fields.Enum(RecordedAs, by_value=True, allow_none=True,
                               metadata={"description": "staff recording for the customer: driver or "
                                         "customer_service (the default); a customer's user speaks for themselves"})


class LineVerdictSchema(ma.Schema):
    id = ma.fields.Integer()
    shipment_line_id = ma.fields.Integer()
    order_line_id = ma.fields.Integer()
    verdict = ma.fields.Enum(Verdict, by_value=True)
    accepted_quantity = QuantityField()
    refused_quantity = QuantityField()
    reason = ma.fields.String(attribute="refusal_reason", allow_none=True)
    note = ma.fields.String(allow_none=True)
    recorded_as = ma.fields.Enum(RecordedAs, by_value=True)
    recorded_at = ma.fields.AwareDateTime()


class AttachmentUploadSchema(ma.Schema):
    file = UploadField(required=True, metadata={
        "type": "string", "format": "binary",
        "description": f"a PNG or JPEG photo or a PDF of at most {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB"})


class AttachmentSchema(ma.Schema):
    id = ma.fields.Integer()
    shipment_id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    uploaded_at = ma.fields.AwareDateTime()


class AcceptanceSettingsSchema(ma.Schema):
    refusal_reasons = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=REASON_CODE_MAX)),
                                     validate=validate.Length(min=1, max=REASONS_MAX),
                                     metadata={"description": "the codes a refused line's reason is chosen from"})
    reopen_days = ma.fields.Integer(strict=True, validate=validate.Range(min=0, max=REOPEN_DAYS_MAX),
                                    metadata={"description": "days after its resolution a case may be reopened"})
