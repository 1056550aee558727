"""Stock's JSON API: balances, moves, receipts, adjustments and a product's availability."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.api.problems import PROBLEM_JSON
from core.auth.context import require_actor, requires
from plugins.stock import imports, services
from plugins.stock.schemas import (
    AdjustmentRequestSchema, AvailabilitySchema, ReceiptRequestSchema, StockMovePageSchema, StockMoveQuerySchema,
    StockImportProblemSchema, StockImportSchema, StockImportUploadSchema, StockMoveSchema, StockPageSchema,
    StockQuerySchema,
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
        ``warehouse_id``."""
        return services.receive(require_actor(), product_id=data["product_id"], quantity_received=data["quantity"],
                                warehouse_id=data["warehouse_id"], reference=data["reference"])


@blp.route("/stock/adjustments")
class StockAdjustments(MethodView):
    @requires(services.MOVE)
    @blp.arguments(AdjustmentRequestSchema)
    @blp.response(201, StockMoveSchema)
    def post(self, data):
        """Correct a count, up or down, saying why. Below what is reserved is a 400 naming ``quantity``."""
        return services.adjust(require_actor(), product_id=data["product_id"], change=data["quantity"],
                               reason=data["reason"], warehouse_id=data["warehouse_id"])


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
