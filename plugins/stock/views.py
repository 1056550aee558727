"""Portal pages of stock: the balances (a list view with search, filters and export) with the receipt and
adjustment forms, the ledger of moves, and the import of initial stock from a file."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core.auth.context import require_actor, requires
from core.db import fail_request
from core.errors import OrdoError
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec, list_response
from core.models import Order, Product, User
from core.web import attempt, flash_form_errors, required
from core.tabular import RowError
from plugins.stock import imports, services
from plugins.stock.forms import AdjustmentForm, ReceiptForm, StockImportForm
from plugins.stock.models import MoveKind, StockBalance, StockMove, StockWarehouse
from plugins.stock.services import MOVE, VIEW
from plugins.stock.warehouses import warehouses_of

bp = Blueprint("stock", __name__)


def _warehouses(user: User) -> list[tuple[int, str]]:
    return [(row.id, f"{row.code} {row.name}") for row in warehouses_of(user.company_id)]


def _balances(user: User) -> Select[Any]:
    return (select(StockBalance).join(Product, Product.id == StockBalance.product_id)
            .join(StockWarehouse, StockWarehouse.id == StockBalance.warehouse_id)
            .where(StockBalance.company_id == user.company_id))


STOCK_LIST = ListSpec(
    name="stock",
    source=_balances,
    id=StockBalance.id,
    columns=(
        Column("product", _l("Product"), Product.code, sortable=True),
        Column("name", _l("Name"), Product.name),
        Column("warehouse", _l("Warehouse"), StockWarehouse.code),
        Column("on_hand", _l("On hand"), StockBalance.on_hand, Kind.NUMBER, sortable=True),
        Column("reserved", _l("Reserved"), StockBalance.reserved, Kind.NUMBER),
        Column("available", _l("Available"), StockBalance.on_hand - StockBalance.reserved, Kind.NUMBER),
        Column("quarantine", _l("Quarantine"), StockBalance.quarantine, Kind.NUMBER),
        Column("unit", _l("Unit"), Product.unit),
    ),
    search=(Product.code, Product.name),
    filters=(
        Filter("warehouse", _l("Warehouse"), StockBalance.warehouse_id, FilterKind.ID, options=_warehouses),
        Filter("short", _l("Nothing available"), StockBalance.on_hand - StockBalance.reserved <= 0, FilterKind.FLAG),
    ),
    group_bys=(
        GroupBy("warehouse", _l("Warehouse"), StockBalance.warehouse_id, text=StockWarehouse.code,
                filter="warehouse"),
    ),
    default_sort="product",
)


def _moves(user: User) -> Select[Any]:
    return (select(StockMove).join(Product, Product.id == StockMove.product_id)
            .join(StockWarehouse, StockWarehouse.id == StockMove.warehouse_id)
            .outerjoin(Order, Order.id == StockMove.order_id)
            .where(StockMove.company_id == user.company_id))


MOVE_LIST = ListSpec(
    name="stock_moves",
    source=_moves,
    id=StockMove.id,
    columns=(
        Column("at", _l("When"), StockMove.at, Kind.DATETIME, sortable=True),
        Column("kind", _l("Move"), StockMove.kind, Kind.CODE, namespace="stock.move_kind"),
        Column("product", _l("Product"), Product.code),
        Column("warehouse", _l("Warehouse"), StockWarehouse.code),
        Column("on_hand", _l("On hand"), StockMove.on_hand, Kind.NUMBER),
        Column("reserved", _l("Reserved"), StockMove.reserved, Kind.NUMBER),
        Column("quarantine", _l("Quarantine"), StockMove.quarantine, Kind.NUMBER),
        Column("order", _l("Order"), Order.number),
        Column("reference", _l("Reference"), StockMove.reference),
        Column("reason", _l("Reason"), StockMove.reason),
    ),
    search=(Product.code, Product.name, StockMove.reference, Order.number),
    filters=(
        Filter("kind", _l("Move"), StockMove.kind, choices=MoveKind),
        Filter("warehouse", _l("Warehouse"), StockMove.warehouse_id, FilterKind.ID, options=_warehouses),
        Filter("at", _l("When"), StockMove.at, FilterKind.DATE_RANGE),
    ),
    group_bys=(GroupBy("kind", _l("Move"), StockMove.kind, filter="kind"),),
    default_sort="-at",
)


@bp.route("/stock")
@requires(VIEW)
def stock() -> Any:
    actor = require_actor()
    may_move = actor.can(MOVE)
    return list_response(STOCK_LIST, actor, "stock/list.html", receipt_form=ReceiptForm() if may_move else None,
                         adjustment_form=AdjustmentForm() if may_move else None)


@bp.route("/stock/moves")
@requires(VIEW)
def moves() -> Any:
    return list_response(MOVE_LIST, require_actor(), "stock/moves.html")


@bp.route("/stock/receipts", methods=["POST"])
@requires(MOVE)
def receipt() -> Any:
    actor = require_actor()
    form = ReceiptForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.receive(actor, product_id=required(form.product_id.data),
                                          quantity_received=required(form.quantity.data),
                                          reference=form.reference.data)) is not None:
        flash(_("The receipt is recorded."), "success")
    return redirect(url_for("stock.stock"))


@bp.route("/stock/adjustments", methods=["POST"])
@requires(MOVE)
def adjustment() -> Any:
    actor = require_actor()
    form = AdjustmentForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.adjust(actor, product_id=required(form.product_id.data),
                                         change=required(form.quantity.data), reason=form.reason.data)) is not None:
        flash(_("The adjustment is recorded."), "success")
    return redirect(url_for("stock.stock"))


@bp.route("/stock/imports", methods=["GET", "POST"])
@requires(MOVE)
def stock_import() -> Any:
    """The upload of a file of initial stock; a refused file answers 400, a file with bad rows 422 with each row's
    errors (nothing received), as the API does."""
    actor = require_actor()
    form = StockImportForm()
    rows: list[RowError] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            try:
                received = imports.import_stock(actor, upload.filename or "", upload.read())
            except imports.RowsRefused as error:
                fail_request()
                rows, status = error.rows, 422
            except OrdoError as error:
                fail_request()
                form.file.errors = [*form.file.errors, error.message]
                status = 400
            else:
                flash(_("%(count)s rows of %(file)s are received.", count=received, file=upload.filename), "success")
                return redirect(url_for("stock.stock"))
        else:
            status = 400
        flash(_("Check the fields marked below."), "error")
    return render_template("stock/import.html", form=form, rows=rows, columns=imports.COLUMNS,
                           required=imports.REQUIRED), status
