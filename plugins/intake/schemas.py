"""Marshmallow schemas of intake's API: they validate requests and document them in OpenAPI."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import validate
from werkzeug.datastructures import FileStorage

from core.api.fields import IdField, MoneyField, QuantityField, TaxIdField
from core.db import MAX_ID
from core.api.schemas import PricedSchema, page_schema
from core.models import Channel, DeliveryMethod, InvoiceType, PaymentTerms
from core.models.order import ORDER_TAX_ID_LENGTH
from core.stored_text import shown
from core.tabular import MAX_BYTES
from plugins.intake.mappings import BUILT_IN
from plugins.intake.models import ImportStatus


class OrderLineInputSchema(PricedSchema):
    product_id = IdField(required=True)
    quantity = QuantityField(
        required=True,
        validate=validate.Range(min=Decimal("0"), min_inclusive=False, error=_l("must be greater than 0")),
    )
    unit_price = MoneyField(metadata={"description": "net of tax; the product's list price when left out"})


class OrderCreateSchema(ma.Schema):
    customer_id = IdField(required=True)
    channel = ma.fields.Enum(Channel, by_value=True, load_default=Channel.API)
    source_reference = ma.fields.String(
        allow_none=True, validate=validate.Length(max=200),
        metadata={"description": "where the order came from: the platform's order id, the email's subject "
                                 "and date, the caller; an order with the same reference is a duplicate"})
    received_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "when the order was received, with its time zone (may be before it was "
                                 "entered, never in the future); now when left out"})
    customer_reference = ma.fields.String(allow_none=True, validate=validate.Length(max=64))
    contact = ma.fields.String(allow_none=True, validate=validate.Length(max=120),
                               metadata={"description": "the customer's contact when left out"})
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=40))
    delivery_address = ma.fields.String(allow_none=True, validate=validate.Length(max=2000),
                                        metadata={"description": "the customer's address when left out"})
    requested_date = ma.fields.Date(required=True)
    payment_terms = ma.fields.Enum(PaymentTerms, by_value=True, allow_none=True,
                                   metadata={"description": "the customer's terms when left out"})
    delivery_method = ma.fields.Enum(DeliveryMethod, by_value=True, allow_none=True, metadata={
        "description": "the customer's default delivery method when left out, express when it has none"})
    invoice_type = ma.fields.Enum(InvoiceType, by_value=True, allow_none=True, metadata={
        "description": "ordinary (增值税普通发票) or special (增值税专用发票); null: no invoice. Left out, the "
                       "order takes the customer's invoice profile: its type, and each detail left out"})
    invoice_title = ma.fields.String(allow_none=True, validate=validate.Length(max=200),
                                     metadata={"description": "开票抬头: the company name as registered"})
    invoice_tax_id = TaxIdField(checked=False, max_length=ORDER_TAX_ID_LENGTH, metadata={
        "description": "纳税人识别号, kept as entered (without surrounding spaces); the checks refuse to submit "
                       "one that is not 18 characters (or 15 or 20) of digits and upper-case letters"})
    invoice_bank_account = ma.fields.String(allow_none=True, validate=validate.Length(max=200),
                                            metadata={"description": "开户行及账号"})
    invoice_address_phone = ma.fields.String(allow_none=True, validate=validate.Length(max=200),
                                             metadata={"description": "地址、电话"})
    invoice_requirements = ma.fields.String(allow_none=True, validate=validate.Length(max=2000),
                                            metadata={"description": "other invoice requirements, free text"})
    notes = ma.fields.String(allow_none=True, validate=validate.Length(max=4000))
    lines = ma.fields.List(ma.fields.Nested(OrderLineInputSchema), required=True,
                           validate=validate.Length(min=1, error=_l("an order needs at least one line")))
    confirm_duplicate = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "save it although it looks like an order already entered (same source "
                                 "reference, or same customer and lines within the duplicate window); recorded"})


class OrderPatchSchema(OrderCreateSchema):
    """The fields of a draft to change; ``lines``, when sent, replace every line."""

    channel = ma.fields.Enum(Channel, by_value=True)


class IdempotencyHeaderSchema(ma.Schema):
    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key", validate=validate.Length(min=1, max=200),
        metadata={"description": "Send the same key again to replay the order created the first time."},
    )


class IfMatchHeaderSchema(ma.Schema):
    if_match = ma.fields.String(
        data_key="If-Match", validate=validate.Length(min=1, max=40),
        metadata={"description": "The order's version as read; refused with 409 when it changed since."},
    )


class SubmitSchema(ma.Schema):
    """What the clerk confirms when submitting; an empty body confirms nothing."""

    confirm_duplicate = ma.fields.Boolean(
        load_default=False, metadata={"description": "submit it although it looks like an order already entered"})
    confirm_warnings = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "submit despite the checks' warnings; the confirmation is recorded"})
    version = ma.fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "the draft's version as re-checked; refused with 409 when it changed since"})


class IntakeSettingsSchema(ma.Schema):
    """How the company takes orders."""

    number_format = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "the order number: {prefix} (the company's), {date:%Y%m%d} (its local date of submission) "
                       "and {seq:04d} (the day's sequence), e.g. SO{date:%Y%m%d}-{seq:04d}"})
    duplicate_window_days = ma.fields.Integer(validate=validate.Range(min=0, max=365), metadata={
        "description": "orders of one customer with the same lines received this many days apart are flagged"})
    portal_submits_directly = ma.fields.Boolean(metadata={
        "description": "a customer's portal order is submitted at once rather than waiting for a clerk's re-check"})


class UploadField(ma.fields.Field):
    """A file sent in a multipart/form-data body."""

    default_error_messages = {"invalid": _l("must be a file sent as multipart/form-data")}

    def _deserialize(self, value, attr, data, **kwargs) -> FileStorage:
        if not isinstance(value, FileStorage) or not value.filename:
            raise self.make_error("invalid")
        return value


class ImportUploadSchema(ma.Schema):
    """An order file to import, with its mapping."""

    file = UploadField(required=True, metadata={
        "type": "string", "format": "binary",
        "description": f"CSV (UTF-8 or GB18030) or Excel .xlsx, at most {MAX_BYTES // (1024 * 1024)} MB; the header "
                       "is row 1"})
    mapping = ma.fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": f"the column mapping: a built-in one ({', '.join(sorted(BUILT_IN))}) or one the company "
                       "saved"})
    submit = ma.fields.Boolean(load_default=False, metadata={
        "description": "submit the good orders that have no warnings, instead of leaving every order a draft"})


class ShownText(ma.fields.String):
    """A sentence stored to be read later (``core.stored_text``), in the caller's language."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return super()._serialize(shown(value), attr, obj, **kwargs)


class ImportRowErrorSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "the row of the file, the header being row 1"})
    column = ma.fields.String(metadata={"description": "the column's header, as in the file"})
    reason = ShownText()


class ImportResultsSchema(ma.Schema):
    created = ma.fields.List(ma.fields.Integer(), metadata={"description": "the ids of the orders created"})
    submitted = ma.fields.Integer(metadata={"description": "how many of them were submitted"})
    already_imported = ma.fields.List(ma.fields.String(), metadata={
        "description": "the file's order references imported before, which created nothing new"})
    errors = ma.fields.List(ma.fields.Nested(ImportRowErrorSchema), metadata={
        "description": "the rows left out, each with its column and reason; only their orders are left out"})
    warnings = ma.fields.List(ShownText())


class ImportSchema(ma.Schema):
    """An import and, once it is done, what it did."""

    id = ma.fields.Integer()
    href = ma.fields.Function(lambda job: url_for("intake_api.ImportResource", import_id=job.id))
    status = ma.fields.Enum(ImportStatus, by_value=True, metadata={
        "description": "queued, then running, then done or failed; poll this resource until done or failed. "
                       "uploaded: a file uploaded in the portal, waiting for the clerk to confirm its preview"})
    filename = ma.fields.String()
    mapping = ma.fields.String()
    submit = ma.fields.Boolean()
    rows_total = ma.fields.Integer(metadata={"description": "the file's rows under the header"})
    rows_done = ma.fields.Integer(metadata={"description": "the rows imported so far"})
    created_at = ma.fields.AwareDateTime()
    started_at = ma.fields.AwareDateTime(allow_none=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)
    failure = ma.fields.String(allow_none=True, metadata={"description": "why a failed import stopped"})
    results = ma.fields.Nested(ImportResultsSchema, allow_none=True, metadata={
        "description": "what the import did; null until it is done"})


ImportPageSchema = page_schema(ImportSchema, "ImportPageSchema")
