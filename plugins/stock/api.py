"""Stock's JSON API: balances, moves, receipts, adjustments and a product's availability."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.api.problems import PROBLEM_JSON
from core.auth.context import require_actor, requires
from plugins.stock import imports, services, warehouses
from plugins.stock.schemas import (
    AdjustmentRequestSchema, AvailabilitySchema, LotPageSchema, LotQuerySchema, ReceiptRequestSchema,
    StockImportProblemSchema, StockImportSchema, StockImportUploadSchema, StockMovePageSchema, StockMoveQuerySchema,
    StockMoveSchema, StockPageSchema, StockQuerySchema, TrackingSchema, WarehouseChangeSchema, WarehouseRequestSchema,
    WarehouseSchema,
)

blp = ApiBlueprint("stock_api", __name__, description="Stock: balances per warehouse, the ledger of moves")


@blp.route("/stock")
class Stock(MethodView):
    @requires(services.VIEW)
    @blp.arguments(StockQuerySchema, location="query")
    @blp.response(200, StockPageSchema)
    def get(self, args):
        """Per product and warehouse: on hand, reserved, available (on hand less reserved) and in quarantine."""
        return services.search_balances(require_actor(), **args)


@blp.route("/stock/moves")
class StockMoves(MethodView):
    @requires(services.VIEW)
    @blp.arguments(StockMoveQuerySchema, location="query")
    @blp.response(200, StockMovePageSchema)
    def get(self, args):
        """The ledger, newest first: every receipt, adjustment, reservation, release, issue and return."""
        return services.search_moves(require_actor(), **args)


@blp.route("/stock/receipts")
class StockReceipts(MethodView):
    @requires(services.MOVE)
    @blp.arguments(ReceiptRequestSchema)
    @blp.response(201, StockMoveSchema)
    def post(self, data):
        """Goods came in. Another company's product is a 404 naming ``product_id``, its warehouse one naming
        ``warehouse_id``; a ``lot`` missing for a tracked product, or given for an untracked one, a 400 naming it."""
        return services.receive(require_actor(), product_id=data["product_id"], quantity_received=data["quantity"],
                                warehouse_id=data["warehouse_id"], reference=data["reference"], lot=data["lot"])


@blp.route("/stock/adjustments")
class StockAdjustments(MethodView):
    @requires(services.MOVE)
    @blp.arguments(AdjustmentRequestSchema)
    @blp.response(201, StockMoveSchema)
    def post(self, data):
        """Correct a count, up or down, saying why. Below what is reserved is a 400 naming ``quantity``."""
        return services.adjust(require_actor(), product_id=data["product_id"], change=data["quantity"],
                               reason=data["reason"], warehouse_id=data["warehouse_id"], lot=data["lot"])


@blp.route("/stock/imports")
class StockImports(MethodView):
    @requires(services.MOVE)
    @blp.arguments(StockImportUploadSchema, location="multipart")
    @blp.response(201, StockImportSchema)
    @blp.alt_response(422, description="Rows of the file have errors: nothing was received; ``errors`` lists "
                      "each with its row, column (``field``) and message.", schema=StockImportProblemSchema,
                      content_type=PROBLEM_JSON)
    def post(self, data):
        """Initial stock: receive a CSV or .xlsx file's rows (product code, quantity, warehouse code, note), all
        or none. A file that is no readable table, or lacks a column, is a 400 naming ``file``."""
        upload = data["file"]
        return {"received": imports.import_stock(require_actor(), upload.filename, upload.read())}, 201


@blp.route("/products/<id:product_id>/availability")
class ProductAvailability(MethodView):
    @requires(services.VIEW)
    @blp.response(200, AvailabilitySchema)
    def get(self, product_id):
        """The product's stock over the company's warehouses, and per warehouse."""
        return services.availability(require_actor(), product_id)


@blp.route("/stock/warehouses")
class Warehouses(MethodView):
    @requires(services.VIEW)
    @blp.response(200, WarehouseSchema(many=True))
    def get(self):
        """The company's warehouses, the default first."""
        return warehouses.warehouses_of(require_actor().company_id)

    @requires(warehouses.WAREHOUSE)
    @blp.arguments(WarehouseRequestSchema)
    @blp.response(201, WarehouseSchema)
    def post(self, data):
        """Another warehouse. A code the company has already is a 400 naming ``code``."""
        return warehouses.create_warehouse(require_actor(), code=data["code"], name=data["name"])


@blp.route("/stock/warehouses/<id:warehouse_id>")
class WarehouseItem(MethodView):
    @requires(warehouses.WAREHOUSE)
    @blp.arguments(WarehouseChangeSchema)
    @blp.response(200, WarehouseSchema)
    def patch(self, data, warehouse_id):
        """Rename a warehouse (its code, its name, or both); its stock and moves stay with it."""
        return warehouses.rename_warehouse(require_actor(), warehouse_id, code=data.get("code"),
                                           name=data.get("name"))


@blp.route("/stock/lots")
class Lots(MethodView):
    @requires(services.VIEW)
    @blp.arguments(LotQuerySchema, location="query")
    @blp.response(200, LotPageSchema)
    def get(self, args):
        """Lots and serial numbers, of one product (``product_id``) or all, with what each warehouse holds."""
        return services.search_lots(require_actor(), **args)


@blp.route("/stock/products/<id:product_id>/tracking")
class ProductTracking(MethodView):
    @requires(services.VIEW)
    @blp.response(200, TrackingSchema)
    def get(self, product_id):
        """Whether the product's units carry lot or serial numbers."""
        return services.tracking(require_actor(), product_id)

    @requires(services.MOVE)
    @blp.arguments(TrackingSchema)
    @blp.response(200, TrackingSchema)
    def put(self, data, product_id):
        """Track the product by lot or serial number, or not at all; receipts and adjustments then name a lot."""
        actor = require_actor()
        services.set_tracking(actor, product_id=product_id, tracking=data["tracking"])
        return services.tracking(actor, product_id)
