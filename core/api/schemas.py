"""Marshmallow schemas of the core's resources: they validate requests and write the OpenAPI document."""
from __future__ import annotations

import re
from decimal import Decimal

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import validate

from core.api.fields import IdField, MoneyField, QuantityField, RateField
from core.auth.context import current_actor
from core.models import Channel, DeliveryMethod, OrderStatus, PaymentTerms


class TokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1))
    name = ma.fields.String(load_default="api", validate=validate.Length(min=1, max=120))


class TokenSchema(ma.Schema):
    token = ma.fields.String(metadata={"description": "Send as 'Authorization: Bearer <token>'. Shown once."})
    name = ma.fields.String()
    username = ma.fields.String()


class CompanyRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    name = ma.fields.String()
    company = ma.fields.Nested(CompanyRefSchema)
    customer_id = ma.fields.Integer(allow_none=True)
    roles = ma.fields.List(ma.fields.String(), attribute="role_names")
    permissions = ma.fields.Function(lambda u: sorted(u.permissions),
                                     metadata={"type": "array", "items": {"type": "string"}})
    locale = ma.fields.String(allow_none=True)


class CustomerSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact = ma.fields.String(allow_none=True, validate=validate.Length(max=120))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=40))
    email = ma.fields.Email(allow_none=True)
    address = ma.fields.String(allow_none=True)
    province = ma.fields.String(allow_none=True, validate=validate.Length(max=60))
    city = ma.fields.String(allow_none=True, validate=validate.Length(max=60))
    credit_limit = MoneyField(load_default=Decimal("0.00"))
    payment_terms = ma.fields.Enum(PaymentTerms, by_value=True, load_default=PaymentTerms.CASH_ON_DELIVERY)
    active = ma.fields.Boolean(load_default=True)


class ProductSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    specification = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    unit = ma.fields.String(load_default="pcs", validate=validate.Length(min=1, max=16))
    list_price = MoneyField(required=True)
    floor_price = MoneyField(required=True)
    tax_rate = RateField(load_default=Decimal("0.13"))
    active = ma.fields.Boolean(load_default=True)

    @ma.validates_schema
    def floor_below_list(self, data, **kwargs) -> None:
        if "floor_price" in data and "list_price" in data and data["floor_price"] > data["list_price"]:
            raise ma.ValidationError(_("must not exceed the list price"), "floor_price")


class PageArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class CustomerRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class OrderLineSchema(ma.Schema):
    id = ma.fields.Integer()
    line_no = ma.fields.Integer()
    product_id = ma.fields.Integer()
    product_code = ma.fields.String(attribute="product.code")
    description = ma.fields.String()
    specification = ma.fields.String(allow_none=True)
    unit = ma.fields.String()
    quantity = QuantityField()
    unit_price = MoneyField(allow_none=True)
    tax_rate = RateField(allow_none=True)
    net_amount = MoneyField(allow_none=True)
    tax_amount = MoneyField(allow_none=True)
    amount = MoneyField(allow_none=True)


class OrderSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(OrderStatus, by_value=True)
    revision = ma.fields.Integer()
    channel = ma.fields.Enum(Channel, by_value=True)
    customer = ma.fields.Nested(CustomerRefSchema)
    customer_reference = ma.fields.String(allow_none=True)
    contact = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    delivery_address = ma.fields.String(allow_none=True)
    requested_date = ma.fields.Date()
    promised_date = ma.fields.Date(allow_none=True)
    payment_terms = ma.fields.Enum(PaymentTerms, by_value=True)
    delivery_method = ma.fields.Enum(DeliveryMethod, by_value=True)
    invoice_requirements = ma.fields.String(allow_none=True)
    currency = ma.fields.String()
    notes = ma.fields.String(allow_none=True)
    subtotal = MoneyField(allow_none=True)
    tax_total = MoneyField(allow_none=True)
    total = MoneyField(allow_none=True)
    pinned_modules = ma.fields.List(ma.fields.String(), allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema))
    created_at = ma.fields.AwareDateTime()
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "Row version; send it back as If-Match when editing."})

    @ma.post_dump
    def hide_prices(self, data: dict, **kwargs) -> dict:
        """Users without ``order.view_prices`` (production, for example) never see amounts."""
        user = current_actor()
        if user is None or not user.can("order.view_prices"):
            strip_prices(data)
        return data


class OrderPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OrderSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class OrderQuerySchema(PageArgsSchema):
    status = ma.fields.Enum(OrderStatus, by_value=True)
    customer_id = IdField(in_query=True)
    number = ma.fields.String()
    date_from = ma.fields.Date(metadata={"description": "requested delivery date, from"})
    date_to = ma.fields.Date(metadata={"description": "requested delivery date, to"})


class MarkDeliveredSchema(ma.Schema):
    signed_by = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    reservations = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))


# Audit values that carry amounts, by key: hidden from roles without order.view_prices.
MONEY_KEY = re.compile(r"price|amount|total|tax|paid|outstanding|balance|credit|lines", re.IGNORECASE)


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    entity = ma.fields.String()
    entity_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String()
    actor = ma.fields.String(attribute="actor_label")
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    note = ma.fields.String(allow_none=True)

    @ma.post_dump
    def hide_values(self, data: dict, **kwargs) -> dict:
        """Without ``order.view_prices`` an entry shows which fields changed, not their values."""
        user = current_actor()
        if user is None or not user.can("order.view_prices"):
            for key in ("before", "after"):
                if data.get(key):
                    data[key] = {name: ("hidden" if MONEY_KEY.search(name) else value)
                                 for name, value in data[key].items()}
        return data


class TaskSchema(ma.Schema):
    title = ma.fields.String()
    url = ma.fields.String()
    kind = ma.fields.String()
    due_at = ma.fields.AwareDateTime(allow_none=True)
    late = ma.fields.Boolean()
    order_number = ma.fields.String(allow_none=True)


class PluginSchema(ma.Schema):
    name = ma.fields.String()
    version = ma.fields.String()
    stage = ma.fields.String(allow_none=True)
    depends = ma.fields.List(ma.fields.String())
    required = ma.fields.Boolean()
    hooks = ma.fields.List(ma.fields.String())


class ModuleSchema(ma.Schema):
    name = ma.fields.String()
    stage = ma.fields.String(allow_none=True)
    enabled = ma.fields.Boolean()
    active = ma.fields.Boolean()
    required = ma.fields.Boolean()
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "dependencies keeping it inactive"})


class ModuleUpdateSchema(ma.Schema):
    enabled = ma.fields.Boolean(required=True)


PRICE_FIELDS = ("subtotal", "tax_total", "total")
LINE_PRICE_FIELDS = ("unit_price", "tax_rate", "net_amount", "tax_amount", "amount")


def strip_prices(data: dict) -> dict:
    for key in PRICE_FIELDS:
        data[key] = None
    for line in data.get("lines", []):
        for key in LINE_PRICE_FIELDS:
            line[key] = None
    return data


def order_payload(order, user) -> dict:
    """An order as a JSON-ready dict for ``user``, for responses that nest it.

    Endpoints that return a whole order declare ``@blp.response(..., OrderSchema)``
    and return the ``Order`` itself; the schema hides prices the same way.
    """
    data = OrderSchema().dump(order)
    return data if user.can("order.view_prices") else strip_prices(data)
