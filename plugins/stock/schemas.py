"""Marshmallow schemas of stock's API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from core.api import ProblemSchema
from core.api.fields import IdField, QuantityField, UploadField
from core.api.schemas import PageArgsSchema, page_schema
from core.tabular import MAX_BYTES
from plugins.stock.lots import LOT_MAX
from plugins.stock.models import MoveKind, Tracking
from plugins.stock.services import REASON_MAX, REFERENCE_MAX
from plugins.stock.warehouses import CODE_MAX, NAME_MAX

SEARCH_MAX = 100


class WarehouseRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class LotRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "the lot's or serial's number"})


class ProductRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    unit = ma.fields.String()


class StockQuerySchema(PageArgsSchema):
    q = ma.fields.String(validate=validate.Length(max=SEARCH_MAX), metadata={
        "description": "part of the product's code or name"})
    warehouse_id = IdField(in_query=True)
    product_id = IdField(in_query=True)
    short = ma.fields.Boolean(load_default=False, metadata={"description": "only what has nothing available"})


class StockBalanceSchema(ma.Schema):
    product = ma.fields.Nested(ProductRefSchema)
    warehouse = ma.fields.Nested(WarehouseRefSchema)
    on_hand = QuantityField()
    reserved = QuantityField(metadata={"description": "set aside for approved orders"})
    available = QuantityField(metadata={"description": "on hand less reserved"})
    quarantine = QuantityField(metadata={"description": "returned goods that failed their check, held apart"})


StockPageSchema = page_schema(StockBalanceSchema, "StockPageSchema")


class StockMoveQuerySchema(PageArgsSchema):
    q = ma.fields.String(validate=validate.Length(max=SEARCH_MAX), metadata={
        "description": "part of the product's code or name"})
    warehouse_id = IdField(in_query=True)
    product_id = IdField(in_query=True)
    order_id = IdField(in_query=True)
    kind = ma.fields.Enum(MoveKind, by_value=True)


class StockMoveSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(MoveKind, by_value=True)
    product = ma.fields.Nested(ProductRefSchema)
    warehouse = ma.fields.Nested(WarehouseRefSchema)
    lot = ma.fields.Nested(LotRefSchema, allow_none=True, metadata={
        "description": "the lot or serial number moved, for a product tracked that way"})
    on_hand = QuantityField(metadata={"description": "change of the quantity on hand"})
    reserved = QuantityField(metadata={"description": "change of the quantity reserved"})
    quarantine = QuantityField(metadata={"description": "change of the quantity in quarantine"})
    order_id = ma.fields.Integer(allow_none=True)
    order_line_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    reference = ma.fields.String(allow_none=True)
    at = ma.fields.AwareDateTime()


StockMovePageSchema = page_schema(StockMoveSchema, "StockMovePageSchema")


class ReceiptRequestSchema(ma.Schema):
    product_id = IdField(required=True)
    quantity = QuantityField(required=True, validate=validate.Range(min=Decimal("0"), min_inclusive=False),
                             metadata={"description": "what came in, more than zero"})
    warehouse_id = IdField(load_default=None, metadata={"description": "omitted: the default warehouse"})
    reference = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=REFERENCE_MAX),
                                 metadata={"description": "the supplier's delivery note, say"})
    lot = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=LOT_MAX), metadata={
        "description": "the lot or serial number: required for a product tracked by lot or serial (a serial moves "
                       "one unit), refused for one that is not"})


class AdjustmentRequestSchema(ma.Schema):
    product_id = IdField(required=True)
    quantity = QuantityField(required=True, metadata={
        "description": "the change: positive adds, negative takes away; never below what is reserved"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    warehouse_id = IdField(load_default=None, metadata={"description": "omitted: the default warehouse"})
    lot = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=LOT_MAX), metadata={
        "description": "the lot or serial number: required for a product tracked by lot or serial (a serial moves "
                       "one unit), refused for one that is not"})


class WarehouseStockSchema(ma.Schema):
    warehouse = ma.fields.Nested(WarehouseRefSchema)
    on_hand = QuantityField()
    reserved = QuantityField()
    available = QuantityField()
    quarantine = QuantityField()


class AvailabilitySchema(ma.Schema):
    product_id = ma.fields.Integer()
    on_hand = QuantityField()
    reserved = QuantityField()
    available = QuantityField()
    quarantine = QuantityField()
    warehouses = ma.fields.List(ma.fields.Nested(WarehouseStockSchema))


class StockImportUploadSchema(ma.Schema):
    """A file of initial stock: one receipt per row."""

    file = UploadField(required=True, metadata={
        "type": "string", "format": "binary",
        "description": f"CSV (UTF-8 or GB18030) or Excel .xlsx, at most {MAX_BYTES // (1024 * 1024)} MB; the "
                       "header is row 1, with the columns product_code and quantity, and optionally "
                       "warehouse_code (omitted or empty: the default warehouse) and note"})


class StockImportSchema(ma.Schema):
    received = ma.fields.Integer(metadata={"description": "the rows received, one receipt each"})


class StockImportRowErrorSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "the row of the file, the header being row 1"})
    field = ma.fields.String(metadata={"description": "the column's header, as in the file"})
    message = ma.fields.String()


class StockImportProblemSchema(ProblemSchema):
    errors = ma.fields.List(ma.fields.Nested(StockImportRowErrorSchema), metadata={
        "description": "every error of every bad row; nothing was received"})


class WarehouseSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    is_default = ma.fields.Boolean(metadata={"description": "used when a receipt, adjustment or return names none"})


class WarehouseRequestSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=CODE_MAX), metadata={
        "description": "unique in the company"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))


class WarehouseChangeSchema(ma.Schema):
    code = ma.fields.String(validate=validate.Length(min=1, max=CODE_MAX), metadata={
        "description": "unique in the company; omitted: unchanged"})
    name = ma.fields.String(validate=validate.Length(min=1, max=NAME_MAX), metadata={
        "description": "omitted: unchanged"})


class LotQuerySchema(PageArgsSchema):
    product_id = IdField(in_query=True)
    q = ma.fields.String(validate=validate.Length(max=SEARCH_MAX), metadata={"description": "part of the lot's number"})


class LotStockSchema(ma.Schema):
    warehouse = ma.fields.Nested(WarehouseRefSchema)
    on_hand = QuantityField()
    quarantine = QuantityField()


class LotSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "the lot's or serial's number"})
    product = ma.fields.Nested(ProductRefSchema)
    created_at = ma.fields.AwareDateTime(metadata={"description": "when it was first received"})
    warehouses = ma.fields.List(ma.fields.Nested(LotStockSchema), attribute="balances")


LotPageSchema = page_schema(LotSchema, "LotPageSchema")


class TrackingSchema(ma.Schema):
    product_id = ma.fields.Integer(dump_only=True)
    tracking = ma.fields.Enum(Tracking, by_value=True, required=True, metadata={
        "description": "none, lot (a lot number on each receipt) or serial (one number per unit)"})
