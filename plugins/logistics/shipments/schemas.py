"""Marshmallow schemas of the logistics API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.api.fields import IdField, QuantityField
from core.models import DeliveryMethod, OrderStatus
from plugins.logistics.shipments.models import CheckMode, CheckResult, ShipmentStatus
from plugins.logistics.shipments.services import (
    CARRIER_MAX, CARRIERS_MAX, DRIVER_MAX, LOT_MAX, PHONE_MAX, REASON_MAX, SIGNED_BY_MAX,
    TRACKING_MAX, VEHICLE_MAX, WAYBILL_MAX,
)

class ModeFieldsSchema(ma.Schema):
    """Each delivery mode's own fields: express (carrier, tracking number); freight (carrier, vehicle,
    driver and phone, waybill number); pickup (who collected). Another mode's field is refused (400)."""

    carrier = ma.fields.String(allow_none=True, validate=validate.Length(max=CARRIER_MAX),
                               metadata={"description": "one of the company's carriers when it lists any"})
    tracking_number = ma.fields.String(allow_none=True, validate=validate.Length(max=TRACKING_MAX))
    vehicle = ma.fields.String(allow_none=True, validate=validate.Length(max=VEHICLE_MAX))
    driver_name = ma.fields.String(allow_none=True, validate=validate.Length(max=DRIVER_MAX))
    driver_phone = ma.fields.String(allow_none=True, validate=validate.Length(max=PHONE_MAX))
    waybill_number = ma.fields.String(allow_none=True, validate=validate.Length(max=WAYBILL_MAX))


class ShipmentLineInSchema(ma.Schema):
    order_line_id = IdField(required=True)
    quantity = QuantityField(required=True, validate=validate.Range(min=0, min_inclusive=False))


class ShipmentCreateSchema(ModeFieldsSchema):
    delivery_method = ma.fields.Enum(DeliveryMethod, by_value=True, allow_none=True,
                                     metadata={"description": "the order's when left out"})
    lines = ma.fields.List(ma.fields.Nested(ShipmentLineInSchema), allow_none=True,
                           validate=validate.Length(min=1, max=1000),
                           metadata={"description": "lines and quantities; everything that remains when left out"})


class ShipmentDispatchSchema(ModeFieldsSchema):
    """The mode's fields may be known only when the goods leave."""

    collected_by = ma.fields.String(allow_none=True, validate=validate.Length(max=SIGNED_BY_MAX),
                                    metadata={"description": "pickup: who collected the goods"})


class CheckLineSchema(ma.Schema):
    order_line_id = IdField(required=True)
    confirmed_quantity = QuantityField(validate=validate.Range(min=0),
                                       metadata={"description": "the quantity counted; the line's when left out"})
    result = ma.fields.Enum(CheckResult, by_value=True, required=True)
    reason = ma.fields.String(allow_none=True, validate=validate.Length(max=REASON_MAX),
                              metadata={"description": "required when the line fails"})
    lot_numbers = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=LOT_MAX)), allow_none=True,
                                 validate=validate.Length(max=10000),
                                 metadata={"description": "lot numbers, or one serial number per unit"})


class CheckSchema(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(CheckLineSchema), required=True, validate=validate.Length(min=1, max=1000))


class ShippingSettingsSchema(ma.Schema):
    carriers = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=CARRIER_MAX)),
                              validate=validate.Length(max=CARRIERS_MAX))
    partial_delivery = ma.fields.Boolean(metadata={"description": "whether an order may leave in parts"})
    check_mode = ma.fields.Enum(CheckMode, by_value=True,
                                metadata={"description": "block: a failed or missing check holds the dispatch back; "
                                          "warn: it is recorded as a warning"})


class PartialDeliverySchema(ma.Schema):
    """An order's own choice on partial delivery over the company's setting."""

    order_id = ma.fields.Integer(dump_only=True)
    partial_delivery = ma.fields.Boolean(required=True, allow_none=True, attribute="own", metadata={
        "description": "true: the order may leave in parts; false: only whole; null: as the company's setting"})
    company_partial_delivery = ma.fields.Boolean(dump_only=True, attribute="company",
                                                 metadata={"description": "the company's setting"})
    allowed = ma.fields.Boolean(dump_only=True, metadata={"description": "whether the order may leave in parts now"})


class RemainingLineSchema(ma.Schema):
    order_line_id = ma.fields.Integer()
    line_no = ma.fields.Integer()
    description = ma.fields.String()
    unit = ma.fields.String()
    ordered = QuantityField()
    shipped = QuantityField()
    remaining = QuantityField()


class ShipmentLineSchema(ma.Schema):
    id = ma.fields.Integer()
    order_line_id = ma.fields.Integer()
    line_no = ma.fields.Integer(attribute="order_line.line_no")
    description = ma.fields.String(attribute="order_line.description")
    quantity = QuantityField()
    confirmed_quantity = QuantityField(allow_none=True)
    check_result = ma.fields.Enum(CheckResult, by_value=True, allow_none=True)
    check_reason = ma.fields.String(allow_none=True)
    lot_numbers = ma.fields.List(ma.fields.String(), allow_none=True)


class ShipmentSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    order_number = ma.fields.String(attribute="order.number", allow_none=True)
    order_status = ma.fields.Enum(OrderStatus, by_value=True, attribute="order.status")
    number = ma.fields.String()
    status = ma.fields.Enum(ShipmentStatus, by_value=True)
    delivery_method = ma.fields.Enum(DeliveryMethod, by_value=True)
    carrier = ma.fields.String(allow_none=True)
    tracking_number = ma.fields.String(allow_none=True)
    vehicle = ma.fields.String(allow_none=True)
    driver_name = ma.fields.String(allow_none=True)
    driver_phone = ma.fields.String(allow_none=True)
    waybill_number = ma.fields.String(allow_none=True)
    pickup_code = ma.fields.String(allow_none=True)
    collected_by = ma.fields.String(allow_none=True)
    collected_at = ma.fields.AwareDateTime(allow_none=True)
    checked_at = ma.fields.AwareDateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(ShipmentLineSchema))
    created_at = ma.fields.AwareDateTime()
    dispatched_at = ma.fields.AwareDateTime(allow_none=True)
    accepted_at = ma.fields.AwareDateTime(allow_none=True)
    signed_by = ma.fields.String(allow_none=True)
    reservations = ma.fields.String(allow_none=True)
    rating = ma.fields.Integer(allow_none=True)
    version = ma.fields.Integer()
