"""Portal pages of stock: the balances (a list view with search, filters and export) with the receipt,
adjustment and tracking forms, the ledger of moves, the lots, the warehouses (a list view with the form that
makes or renames one), and the import of initial stock from a file."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core.auth.context import require_actor, requires
from core.extensions import db
from core.labels import choices
from core.db import fail_request
from core.errors import OrdoError
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec, list_response
from core.models import Order, Product, User
from core.web import attempt, flash_form_errors, required
from core.tabular import RowError
from plugins.stock import imports, services, warehouses
from plugins.stock.forms import AdjustmentForm, ReceiptForm, StockImportForm, TrackingForm, WarehouseForm
from plugins.stock.models import (
    MoveKind, StockBalance, StockLot, StockLotBalance, StockMove, StockProductTracking, StockWarehouse, Tracking,
)
from plugins.stock.services import MOVE, VIEW
from plugins.stock.warehouses import DEFAULT_CODE, WAREHOUSE, warehouses_of

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
            .outerjoin(StockLot, StockLot.id == StockMove.lot_id)
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
        Column("lot", _l("Lot or serial number"), StockLot.name),
        Column("on_hand", _l("On hand"), StockMove.on_hand, Kind.NUMBER),
        Column("reserved", _l("Reserved"), StockMove.reserved, Kind.NUMBER),
        Column("quarantine", _l("Quarantine"), StockMove.quarantine, Kind.NUMBER),
        Column("order", _l("Order"), Order.number),
        Column("reference", _l("Reference"), StockMove.reference),
        Column("reason", _l("Reason"), StockMove.reason),
    ),
    search=(Product.code, Product.name, StockMove.reference, Order.number, StockLot.name),
    filters=(
        Filter("kind", _l("Move"), StockMove.kind, choices=MoveKind),
        Filter("warehouse", _l("Warehouse"), StockMove.warehouse_id, FilterKind.ID, options=_warehouses),
        Filter("at", _l("When"), StockMove.at, FilterKind.DATE_RANGE),
    ),
    group_bys=(GroupBy("kind", _l("Move"), StockMove.kind, filter="kind"),),
    default_sort="-at",
)


LotWarehouse = aliased(StockWarehouse)


def _lots(user: User) -> Select[Any]:
    return (select(StockLotBalance).join(StockLot, StockLot.id == StockLotBalance.lot_id)
            .join(Product, Product.id == StockLotBalance.product_id)
            .join(LotWarehouse, LotWarehouse.id == StockLotBalance.warehouse_id)
            .where(StockLotBalance.company_id == user.company_id))


LOT_LIST = ListSpec(
    name="stock_lots",
    source=_lots,
    id=StockLotBalance.id,
    columns=(
        Column("lot", _l("Lot or serial number"), StockLot.name, sortable=True),
        Column("product", _l("Product"), Product.code, sortable=True),
        Column("name", _l("Name"), Product.name),
        Column("warehouse", _l("Warehouse"), LotWarehouse.code),
        Column("on_hand", _l("On hand"), StockLotBalance.on_hand, Kind.NUMBER, sortable=True),
        Column("quarantine", _l("Quarantine"), StockLotBalance.quarantine, Kind.NUMBER),
        Column("received", _l("First received"), StockLot.created_at, Kind.DATETIME, sortable=True),
    ),
    search=(StockLot.name, Product.code, Product.name),
    filters=(
        Filter("warehouse", _l("Warehouse"), StockLotBalance.warehouse_id, FilterKind.ID, options=_warehouses),
        Filter("in_stock", _l("On hand"), StockLotBalance.on_hand > 0, FilterKind.FLAG),
    ),
    default_sort="-received",
)


WAREHOUSE_LIST = ListSpec(
    name="stock_warehouses",
    source=lambda user: select(StockWarehouse).where(StockWarehouse.company_id == user.company_id),
    id=StockWarehouse.id,
    columns=(
        Column("code", _l("Code"), StockWarehouse.code, sortable=True,
               href=lambda row: url_for("stock.warehouse", warehouse_id=row.id)),
        Column("name", _l("Name"), StockWarehouse.name, sortable=True),
        Column("is_default", _l("Default"), StockWarehouse.is_default, Kind.BOOL),
        Column("created_at", _l("Created"), StockWarehouse.created_at, Kind.DATETIME, sortable=True),
    ),
    search=(StockWarehouse.code, StockWarehouse.name),
    default_sort="code",
)


def _tracked(user: User) -> str:
    """The company's products tracked by lot or serial, as the lot field's ``data-values``: one query."""
    return " ".join(str(product) for product in db.session.execute(select(StockProductTracking.product_id).where(
        StockProductTracking.company_id == user.company_id, StockProductTracking.tracking != Tracking.NONE)
        .order_by(StockProductTracking.product_id)).scalars())


def _moving(form: ReceiptForm | AdjustmentForm, user: User) -> ReceiptForm | AdjustmentForm:
    """A receipt or adjustment form with the company's warehouses to choose from, the default chosen."""
    form.warehouse_id.choices = [SelectChoice(ident, text) for ident, text in _warehouses(user)] or [
        SelectChoice("", DEFAULT_CODE)]
    return form


@bp.route("/stock")
@requires(VIEW)
def stock() -> Any:
    actor = require_actor()
    may_move = actor.can(MOVE)
    tracking_form = TrackingForm() if may_move else None
    if tracking_form is not None:
        tracking_form.tracking.choices = choices(Tracking)
    return list_response(STOCK_LIST, actor, "stock/list.html",
                         receipt_form=_moving(ReceiptForm(), actor) if may_move else None,
                         adjustment_form=_moving(AdjustmentForm(), actor) if may_move else None,
                         tracking_form=tracking_form, tracked=_tracked(actor) if may_move else "",
                         may_keep_warehouses=actor.can(WAREHOUSE))


@bp.route("/stock/lots")
@requires(VIEW)
def lots() -> Any:
    return list_response(LOT_LIST, require_actor(), "stock/lots.html")


@bp.route("/stock/warehouses")
@requires(VIEW)
def warehouse_list() -> Any:
    actor = require_actor()
    return list_response(WAREHOUSE_LIST, actor, "stock/warehouses.html",
                         form=WarehouseForm() if actor.can(WAREHOUSE) else None)


@bp.route("/stock/warehouses/new", methods=["POST"])
@requires(WAREHOUSE)
def new_warehouse() -> Any:
    actor = require_actor()
    form = WarehouseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif (made := attempt(lambda: warehouses.create_warehouse(actor, code=form.code.data,
                                                              name=form.name.data))) is not None:
        flash(_("Warehouse %(code)s is created.", code=made.code), "success")
    return redirect(url_for("stock.warehouse_list"))


@bp.route("/stock/warehouses/<id:warehouse_id>", methods=["GET", "POST"])
@requires(VIEW)
def warehouse(warehouse_id: int) -> Any:
    """A warehouse: read by whoever sees stock (the list links every code here), renamed by who keeps them."""
    actor = require_actor()
    if request.method == "POST" and not actor.can(WAREHOUSE):
        abort(403)
    found = warehouses.warehouse_for(actor.company_id, warehouse_id, field="id")
    form = WarehouseForm(obj=found) if request.method == "GET" else WarehouseForm()
    status = 200
    if request.method == "POST":
        status = 400
        if not form.validate_on_submit():
            flash(_("Check the fields marked below."), "error")
        elif (saved := attempt(lambda: warehouses.rename_warehouse(actor, warehouse_id, code=form.code.data,
                                                                   name=form.name.data))) is not None:
            flash(_("Warehouse %(code)s is saved.", code=saved.code), "success")
            return redirect(url_for("stock.warehouse_list"))
    return render_template("stock/warehouse.html", form=form, warehouse=found,
                           may_edit=actor.can(WAREHOUSE)), status


@bp.route("/stock/tracking", methods=["POST"])
@requires(MOVE)
def tracking() -> Any:
    actor = require_actor()
    form = TrackingForm()
    form.tracking.choices = choices(Tracking)
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.set_tracking(actor, product_id=required(form.product_id.data),
                                               tracking=form.tracking.data)) is not None:
        flash(_("The product's tracking is saved."), "success")
    return redirect(url_for("stock.stock"))


@bp.route("/stock/moves")
@requires(VIEW)
def moves() -> Any:
    return list_response(MOVE_LIST, require_actor(), "stock/moves.html")


@bp.route("/stock/receipts", methods=["POST"])
@requires(MOVE)
def receipt() -> Any:
    actor = require_actor()
    form = _moving(ReceiptForm(), actor)
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.receive(actor, product_id=required(form.product_id.data),
                                          quantity_received=required(form.quantity.data),
                                          warehouse_id=form.warehouse_id.data, lot=form.lot.data,
                                          reference=form.reference.data)) is not None:
        flash(_("The receipt is recorded."), "success")
    return redirect(url_for("stock.stock"))


@bp.route("/stock/adjustments", methods=["POST"])
@requires(MOVE)
def adjustment() -> Any:
    actor = require_actor()
    form = _moving(AdjustmentForm(), actor)
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.adjust(actor, product_id=required(form.product_id.data),
                                         change=required(form.quantity.data), reason=form.reason.data,
                                         warehouse_id=form.warehouse_id.data, lot=form.lot.data)) is not None:
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
