"""Marshmallow schemas of the logistics API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from core.models import DeliveryMethod, OrderStatus
from plugins.logistics.shipments.models import ShipmentStatus
from plugins.logistics.shipments.services import CARRIER_MAX, RESERVATIONS_MAX, SIGNED_BY_MAX, TRACKING_MAX


class ShipmentCreateSchema(ma.Schema):
    carrier = ma.fields.String(allow_none=True, validate=validate.Length(max=CARRIER_MAX))
    tracking_number = ma.fields.String(allow_none=True, validate=validate.Length(max=TRACKING_MAX))


class ShipmentDispatchSchema(ShipmentCreateSchema):
    """Carrier and tracking number may be known only when the goods leave."""


class AcceptanceSchema(ma.Schema):
    signed_by = ma.fields.String(required=True, validate=validate.Length(min=1, max=SIGNED_BY_MAX),
                                 metadata={"description": "who signed for the goods"})
    reservations = ma.fields.String(allow_none=True, validate=validate.Length(max=RESERVATIONS_MAX),
                                    metadata={"description": "set when the goods are accepted with reservations"})
    rating = ma.fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=5),
                               metadata={"description": "the customer's satisfaction, 1 (poor) to 5 (excellent)"})


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
    created_at = ma.fields.AwareDateTime()
    dispatched_at = ma.fields.AwareDateTime(allow_none=True)
    accepted_at = ma.fields.AwareDateTime(allow_none=True)
    signed_by = ma.fields.String(allow_none=True)
    reservations = ma.fields.String(allow_none=True)
    rating = ma.fields.Integer(allow_none=True)
    version = ma.fields.Integer()
