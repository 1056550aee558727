"""Marshmallow schemas of the change request API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, MoneyField, QuantityField
from core.api.schemas import PricedSchema
from core.contracts import LineChange
from core.db import MAX_ID
from core.models import PaymentTerms
from core.models.order import DeliveryMethod
from plugins.review import changes
from plugins.review.change_models import ChangeStatus, RequestedVia
from plugins.review.changes import ChangeInput
from plugins.review.schemas import UserRefSchema


class LineChangeSchema(PricedSchema):
    line_no = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "the line that changes or goes; leave out to add a line"})
    product_id = IdField(load_default=None, allow_none=True, metadata={"description": "an added line's product"})
    quantity = QuantityField(load_default=None, allow_none=True, validate=validate.Range(min=0))
    unit_price = MoneyField(load_default=None, allow_none=True,
                            metadata={"description": "only for callers who may see prices"})
    specification = ma.fields.String(load_default=None, allow_none=True,
                                     validate=validate.Length(max=changes.SPECIFICATION_MAX))
    remove = ma.fields.Boolean(load_default=False)

    @ma.post_load
    def typed(self, data: dict[str, Any], **kwargs: Any) -> LineChange:
        return LineChange(**data)


class ChangeRequestSchema(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(LineChangeSchema), load_default=list,
                           validate=validate.Length(max=500))
    requested_date = ma.fields.Date(load_default=None, allow_none=True,
                                    metadata={"description": "the new delivery date"})
    delivery_method = ma.fields.Enum(DeliveryMethod, by_value=True, load_default=None, allow_none=True)
    payment_terms = ma.fields.Enum(PaymentTerms, by_value=True, load_default=None, allow_none=True)
    reason = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=changes.REASON_MAX),
                              metadata={"description": "why the change is asked for"})

    @ma.post_load
    def typed(self, data: dict[str, Any], **kwargs: Any) -> ChangeInput:
        return ChangeInput(lines=tuple(data["lines"]), requested_date=data["requested_date"],
                           delivery_method=data["delivery_method"], payment_terms=data["payment_terms"],
                           reason=data["reason"])


class PromiseSchema(ma.Schema):
    promised_date = ma.fields.Date(required=True, metadata={
        "description": "the delivery date the departments can promise if the change applies"})
    version = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "the change's version you saw; a stale one gets 409"})


class AcknowledgeSchema(ma.Schema):
    version = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "the change's version you saw; a stale one gets 409"})


class RequestedLineSchema(PricedSchema):
    line_no = ma.fields.Integer(allow_none=True)
    product_id = ma.fields.Integer(allow_none=True)
    quantity = ma.fields.String(allow_none=True, metadata={"description": "a decimal string"})
    unit_price = ma.fields.String(allow_none=True, metadata={"money": True, "description": "a decimal string"})
    specification = ma.fields.String(allow_none=True)
    remove = ma.fields.Boolean()


class LineStateSchema(PricedSchema):
    line_no = ma.fields.Integer()
    product_code = ma.fields.String()
    specification = ma.fields.String(allow_none=True)
    quantity = ma.fields.String(metadata={"description": "a decimal string"})
    unit_price = ma.fields.String(allow_none=True, metadata={"money": True, "description": "a decimal string"})


class LineDiffSchema(ma.Schema):
    line_no = ma.fields.Integer(allow_none=True)
    product_code = ma.fields.String()
    old = ma.fields.Nested(LineStateSchema, allow_none=True, metadata={"description": "null: an added line"})
    new = ma.fields.Nested(LineStateSchema, allow_none=True, metadata={"description": "null: a removed line"})
    changed = ma.fields.List(ma.fields.String(), metadata={"description": "quantity, unit_price, specification"})


class FieldChangeSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "requested_date, delivery_method or payment_terms"})
    old = ma.fields.String(allow_none=True)
    new = ma.fields.String(allow_none=True)


class ChangeSchema(PricedSchema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"description": "<order number>-C<sequence>"})
    order_id = ma.fields.Integer()
    status = ma.fields.Enum(ChangeStatus, by_value=True)
    base_revision = ma.fields.Integer(metadata={"description": "the order's revision the change is against"})
    new_revision = ma.fields.Integer(metadata={"description": "the revision it makes once applied"})
    applied_revision = ma.fields.Integer(allow_none=True)
    requested_by = ma.fields.Nested(UserRefSchema)
    by_customer = ma.fields.Boolean(metadata={"description": "asked by the customer's own people"})
    via = ma.fields.Enum(RequestedVia, by_value=True)
    requested_at = ma.fields.AwareDateTime()
    reason = ma.fields.String(allow_none=True)
    requested_lines = ma.fields.List(ma.fields.Nested(RequestedLineSchema), attribute="line_changes")
    requested_date = ma.fields.Date(allow_none=True)
    delivery_method = ma.fields.String(allow_none=True)
    payment_terms = ma.fields.String(allow_none=True)
    fields_changed = ma.fields.Method("_header", metadata={"description": "the header fields that move"})
    lines_changed = ma.fields.Method("_lines", metadata={"description": "the lines before and after"})
    old_total = MoneyField(allow_none=True)
    new_subtotal = MoneyField(allow_none=True)
    new_tax_total = MoneyField(allow_none=True)
    new_total = MoneyField(allow_none=True)
    price_difference = MoneyField(allow_none=True, validate=[],
                                  metadata={"description": "the new total minus the old one"})
    delivery_days = ma.fields.Function(changes.delivery_days, allow_none=True, metadata={
        "type": "integer", "description": "days the delivery date moves; null when it stays"})
    promised_date = ma.fields.Date(allow_none=True, metadata={
        "description": "the delivery date the reviewers promise once it applies (their answer)"})
    promised_by = ma.fields.Nested(UserRefSchema, allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True)
    acknowledged_by = ma.fields.Nested(UserRefSchema, allow_none=True)
    version = ma.fields.Integer(metadata={"description": "Row version; send it back when acknowledging."})

    def _header(self, record: Any) -> list[dict[str, Any]]:
        return FieldChangeSchema(many=True).dump(changes.header_diff(record))

    def _lines(self, record: Any) -> list[dict[str, Any]]:
        return LineDiffSchema(many=True).dump(
            [{**vars(row), "changed": sorted(row.changed)} for row in changes.line_diff(record)])
