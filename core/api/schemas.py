"""Marshmallow schemas of the core's resources: they validate requests and write the OpenAPI document."""
from __future__ import annotations

import copy
import re
from contextvars import ContextVar
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from marshmallow import validate

from core.api.fields import MONEY_FLAG, IdField, MoneyField, QuantityField, RateField, TaxIdField, is_money
from core.auth.context import current_actor, sees_prices
from core.db import COUNT_LIMIT, PAGE_REACH
from core.inbox import MAX_LISTED, MAX_PAGE_SIZE, PAGE_SIZE
from core.languages import LOCALES
from core.models import Channel, DeliveryMethod, InvoiceType, OrderStatus, PaymentTerms

HIDDEN = "hidden"

# Whether the answer being written shows amounts: asked once per answer, not once per row and line.
_PRICES_SHOWN: ContextVar[bool | None] = ContextVar("ordo_prices_shown", default=None)


class PricedSchema(ma.Schema):
    """The base of every schema with amounts in it: they are null for a caller without ``order.view_prices``.

    A field carries amounts when its metadata says ``money`` (every ``MoneyField`` does).
    ``money=True`` answers the field as null; for a dict of free-form values (an audit
    entry's before and after), a compiled pattern hides the values of the keys it matches.
    Nested schemas hide their own fields, so an order's lines are covered by theirs.

    Whether the caller sees prices is asked once per answer: the outermost dump asks,
    and every nested row and line of a list reads its answer.
    """

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        if _PRICES_SHOWN.get() is not None:
            return super().dump(obj, many=many)
        token = _PRICES_SHOWN.set(sees_prices(current_actor()))
        try:
            return super().dump(obj, many=many)
        finally:
            _PRICES_SHOWN.reset(token)

    @ma.post_dump
    def hide_amounts(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if _PRICES_SHOWN.get():
            return data
        for name, field in self.dump_fields.items():
            key = field.data_key or name
            flag = field.metadata.get(MONEY_FLAG)
            if not flag or data.get(key) is None:
                continue
            if isinstance(flag, re.Pattern):
                data[key] = _masked(data[key], flag)
            else:
                data[key] = None
        return data


def _masked(values: Any, keys: re.Pattern[str]) -> Any:
    """``values`` with the value of every key ``keys`` matches hidden, at any depth (an event's payload kept
    whole on its audit entry, under the event's name, carries its amounts one level down)."""
    if isinstance(values, dict):
        return {entry: HIDDEN if keys.search(entry) else _masked(value, keys) for entry, value in values.items()}
    if isinstance(values, list):
        return [_masked(value, keys) for value in values]
    return values


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


# The longest cursor a list gives is about 230 characters (after a 32-character code of 4-byte characters);
# a longer one is refused before it is read, and the URL stays far inside the servers' limits.
MAX_CURSOR = 400


class PageArgsSchema(ma.Schema):
    """Which page of a list: by its number among the first pages, or after a cursor (``core.db.page_of``)."""

    # A number past the reach is refused by ``page_of``, whose message says to follow the cursor.
    page = ma.fields.Integer(validate=validate.Range(min=1), metadata={
        "maximum": PAGE_REACH,
        "description": f"the page's number, from 1 (the default), while the page starts within the first "
                       f"{PAGE_REACH} rows (a page past them is a 400: follow ``next``); not with ``cursor``"})
    per_page = ma.fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))
    cursor = ma.fields.String(validate=validate.Length(min=1, max=MAX_CURSOR), metadata={
        "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
        "description": "the ``next_cursor`` of the page before: the page starts after its last row. "
                       "Opaque and signed; one this list did not give is a 400"})


class PageSchema(PricedSchema):
    """A page of a list: its items, the count of all, and where the next page starts.

    A list's answer schema is ``page_schema(ItemSchema)``. It is a ``PricedSchema`` so that
    its items' amounts are shown or hidden by one question for the whole page.
    """

    total = ma.fields.Integer(metadata={
        "description": f"how many rows match, counted up to {COUNT_LIMIT}; with ``total_capped``, at least this many"})
    total_capped = ma.fields.Boolean(metadata={
        "description": f"true when more than {COUNT_LIMIT} rows match: ``total`` is then a lower bound"})
    page = ma.fields.Integer(allow_none=True, metadata={
        "description": "the page's number; null for a page reached by its cursor"})
    per_page = ma.fields.Integer()
    next_cursor = ma.fields.String(allow_none=True, metadata={
        "description": "send as ``cursor`` for the next page; null on the last page"})
    next = ma.fields.String(allow_none=True, metadata={
        "description": "the path and query of the next page (this query with its ``cursor``); null on the last"})

    @ma.pre_dump
    def link_next(self, page: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**page, "next": next_link(page["next_cursor"])}


def next_link(cursor: str | None) -> str | None:
    """This request's path and query with the page after ``cursor``: what a client follows."""
    if cursor is None:
        return None
    kept = [(key, value) for key, value in request.args.items(multi=True) if key not in {"page", "cursor"}]
    return f"{request.script_root}{request.path}?{urlencode([*kept, ('cursor', cursor)])}"


def page_schema(item: type[ma.Schema], name: str) -> type[PageSchema]:
    """The answer schema, called ``name``, of a list of ``item``: one helper for every list."""
    return type(name, (PageSchema,), {"items": ma.fields.List(ma.fields.Nested(item)), "__module__": item.__module__})


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


OrderPageSchema = page_schema(OrderSchema, "OrderPageSchema")


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
    # A page past the reach (which depends on per_page) is refused by core.inbox, naming how far it goes.
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1), metadata={
        "maximum": MAX_LISTED,
        "description": f"the page's number, from 1, while it starts within the {MAX_LISTED} most urgent tasks "
                       f"(a page past them is a 400: each kind's own list, in ``kinds``, has the rest)"})
    per_page = ma.fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


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
