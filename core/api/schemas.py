"""Marshmallow schemas of the core's resources: they validate requests and write the OpenAPI document."""
from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import validate

from core.api.fields import MONEY_FLAG, IdField, MoneyField, QuantityField, RateField, TaxIdField, is_money
from core.auth.context import current_actor, sees_prices
from core.db import MAX_ID
from core.languages import LOCALES
from core.models import Channel, DeliveryMethod, InvoiceType, OrderStatus, PaymentTerms

HIDDEN = "hidden"


class PricedSchema(ma.Schema):
    """The base of every schema with amounts in it: they are null for a caller without ``order.view_prices``.

    A field carries amounts when its metadata says ``money`` (every ``MoneyField`` does).
    ``money=True`` answers the field as null; for a dict of free-form values (an audit
    entry's before and after), a compiled pattern hides the values of the keys it matches.
    Nested schemas hide their own fields, so an order's lines are covered by theirs.
    """

    @ma.post_dump
    def hide_amounts(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if sees_prices(current_actor()):
            return data
        for name, field in self.dump_fields.items():
            key = field.data_key or name
            flag = field.metadata.get(MONEY_FLAG)
            if not flag or data.get(key) is None:
                continue
            if isinstance(flag, re.Pattern):
                data[key] = {entry: HIDDEN if flag.search(entry) else value for entry, value in data[key].items()}
            else:
                data[key] = None
        return data


def response_schema(schema: type[ma.Schema]) -> type[ma.Schema]:
    """A request schema as the API answers it: the same fields, its amounts possibly null (hidden).

    Customers and products are sent and read with one set of fields; a request must
    carry real amounts, an answer may not, and the OpenAPI document says both.
    """
    nullable = {}
    for name, field in schema._declared_fields.items():
        if is_money(field):
            nullable[name] = copy.copy(field)
            nullable[name].allow_none = True
    name = schema.__name__.removesuffix("Schema")
    return type(f"{name}ReadSchema", (schema,), {"__module__": schema.__module__, **nullable})


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


class CustomerSchema(PricedSchema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact = ma.fields.String(allow_none=True, validate=validate.Length(max=120))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=40))
    email = ma.fields.Email(allow_none=True)
    address = ma.fields.String(allow_none=True)
    province = ma.fields.String(allow_none=True, validate=validate.Length(max=60))
    city = ma.fields.String(allow_none=True, validate=validate.Length(max=60))
    credit_limit = MoneyField()  # 0.00 when left out (the column's default)
    payment_terms = ma.fields.Enum(PaymentTerms, by_value=True, load_default=PaymentTerms.CASH_ON_DELIVERY)
    delivery_method = ma.fields.Enum(DeliveryMethod, by_value=True, allow_none=True, metadata={
        "description": "what the customer's orders take when they name none; null: none (express then)"})
    invoice_type = ma.fields.Enum(InvoiceType, by_value=True, allow_none=True, metadata={
        "description": "the invoice the customer's orders take when they name none: ordinary (增值税普通发票) "
                       "or special (增值税专用发票); null: no invoice"})
    invoice_title = ma.fields.String(allow_none=True, validate=validate.Length(max=200), metadata={
        "description": "开票抬头: the company name as registered"})
    # Tax and bank details are answered, like amounts, only to the roles that see prices.
    invoice_tax_id = TaxIdField(metadata={MONEY_FLAG: True,
                                          "description": "纳税人识别号: 18 characters (the unified social credit "
                                                         "code), or 15 or 20 for an older one; digits and upper-case "
                                                         "letters; refused otherwise, never corrected"})
    invoice_bank_account = ma.fields.String(allow_none=True, validate=validate.Length(max=200), metadata={
        MONEY_FLAG: True, "description": "开户行及账号: the bank and the account number"})
    invoice_address_phone = ma.fields.String(allow_none=True, validate=validate.Length(max=200), metadata={
        "description": "地址、电话: the registered address and phone"})
    language = ma.fields.String(allow_none=True, validate=validate.OneOf(LOCALES), metadata={
        "description": "the language of every document and email to the customer: zh_CN or en; "
                       "null: the company's language"})
    active = ma.fields.Boolean(load_default=True)


class ProductSchema(PricedSchema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    specification = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    unit = ma.fields.String(load_default="pcs", validate=validate.Length(min=1, max=16))
    list_price = MoneyField(required=True)
    floor_price = MoneyField(required=True)
    tax_rate = RateField(load_default=Decimal("0.13"))
    lead_time_days = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=3650),
                                       metadata={"description": "calendar days from order to delivery at the soonest"})
    active = ma.fields.Boolean(load_default=True)

    @ma.validates_schema
    def floor_below_list(self, data, **kwargs) -> None:
        if "floor_price" in data and "list_price" in data and data["floor_price"] > data["list_price"]:
            raise ma.ValidationError(_("must not exceed the list price"), "floor_price")


class PageArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_ID))
    per_page = ma.fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class CustomerRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class OrderLineSchema(PricedSchema):
    id = ma.fields.Integer()
    line_no = ma.fields.Integer()
    product_id = ma.fields.Integer()
    product_code = ma.fields.String(attribute="product.code")
    description = ma.fields.String()
    specification = ma.fields.String(allow_none=True)
    unit = ma.fields.String()
    quantity = QuantityField()
    unit_price = MoneyField(allow_none=True)
    # The line's tax rate goes with its amounts, as on the order page and the confirmation.
    tax_rate = RateField(allow_none=True, metadata={MONEY_FLAG: True})
    net_amount = MoneyField(allow_none=True)
    tax_amount = MoneyField(allow_none=True)
    amount = MoneyField(allow_none=True)


class OrderSchema(PricedSchema):
    id = ma.fields.Integer()
    number = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(OrderStatus, by_value=True)
    revision = ma.fields.Integer()
    channel = ma.fields.Enum(Channel, by_value=True)
    customer = ma.fields.Nested(CustomerRefSchema)
    source_reference = ma.fields.String(allow_none=True)
    received_at = ma.fields.AwareDateTime()
    customer_reference = ma.fields.String(allow_none=True)
    contact = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    delivery_address = ma.fields.String(allow_none=True)
    requested_date = ma.fields.Date()
    promised_date = ma.fields.Date(allow_none=True)
    payment_terms = ma.fields.Enum(PaymentTerms, by_value=True)
    delivery_method = ma.fields.Enum(DeliveryMethod, by_value=True)
    invoice_type = ma.fields.Enum(InvoiceType, by_value=True, allow_none=True, metadata={
        "description": "ordinary (增值税普通发票) or special (增值税专用发票); null: no invoice"})
    invoice_title = ma.fields.String(allow_none=True, metadata={"description": "开票抬头"})
    # The customer's tax and bank details go to the roles that handle invoices, who see prices too.
    invoice_tax_id = ma.fields.String(allow_none=True, metadata={
        MONEY_FLAG: True, "description": "纳税人识别号, as entered; null for a caller who may not see prices"})
    invoice_bank_account = ma.fields.String(allow_none=True, metadata={
        MONEY_FLAG: True, "description": "开户行及账号; null for a caller who may not see prices"})
    invoice_address_phone = ma.fields.String(allow_none=True, metadata={"description": "地址、电话"})
    invoice_requirements = ma.fields.String(allow_none=True, metadata={"description": "other invoice requirements"})
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


# Audit values that carry amounts, by key: without order.view_prices an entry shows
# which of them changed, not their values.
MONEY_KEY = re.compile(r"price|amount|total|tax|paid|outstanding|balance|credit|lines", re.IGNORECASE)
_AUDIT_VALUES = {MONEY_FLAG: MONEY_KEY,
                 "description": f"values of keys that carry amounts read '{HIDDEN}' without order.view_prices"}


class AuditEntrySchema(PricedSchema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    entity = ma.fields.String()
    entity_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String()
    actor = ma.fields.String(attribute="actor_label")
    before = ma.fields.Dict(allow_none=True, metadata=_AUDIT_VALUES)
    after = ma.fields.Dict(allow_none=True, metadata=_AUDIT_VALUES)
    note = ma.fields.String(allow_none=True)


class TaskSchema(ma.Schema):
    title = ma.fields.String()
    url = ma.fields.String()
    kind = ma.fields.String()
    due_at = ma.fields.AwareDateTime(allow_none=True)
    late = ma.fields.Boolean()
    order_number = ma.fields.String(allow_none=True)


class TaskCountSchema(ma.Schema):
    kind = ma.fields.String()
    label = ma.fields.String()
    total = ma.fields.Integer()
    late = ma.fields.Integer()
    url = ma.fields.String(allow_none=True, metadata={"description": "the portal's list of all of them"})


class TaskPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TaskSchema), metadata={"description": "the page's tasks, most urgent "
                                                                                   "first"})
    total = ma.fields.Integer(metadata={"description": "how many tasks wait, on every page and past the last"})
    late = ma.fields.Integer(metadata={"description": "how many of them are late"})
    kinds = ma.fields.List(ma.fields.Nested(TaskCountSchema), metadata={"description": "the totals kind by kind"})
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    next = ma.fields.String(allow_none=True, metadata={"description": "the next page, or null on the last"})


class TaskQuerySchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "pages reach the 500 most urgent tasks; past them, each kind's own list has the rest"})
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


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


class CustomerPriceSchema(PricedSchema):
    """A price agreed with a customer for one product (their price list)."""

    product_id = ma.fields.Integer()
    product_code = ma.fields.Function(lambda price: price.product.code)
    product_name = ma.fields.Function(lambda price: price.product.name)
    list_price = MoneyField(attribute="product.list_price", dump_only=True)
    unit_price = MoneyField(metadata={"description": "net of tax; the customer's lines of the product default to it"})
    changed_at = ma.fields.AwareDateTime()


class CustomerPriceInputSchema(PricedSchema):
    unit_price = MoneyField(required=True, validate=validate.Range(min=Decimal("0")), metadata={
        "description": "net of tax, at least the product's floor price"})
