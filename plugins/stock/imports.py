"""Initial stock from a file: a CSV or .xlsx table of product code, quantity, warehouse code, lot and note,
received.

The file is read by :mod:`core.tabular` (its encodings, its limits, its row errors).
Every row is checked before anything is written: the product and the warehouse
are the company's (named by their codes; no warehouse code is the default
warehouse), the quantity is more than zero with at most the places a stock
quantity has, the note fits, a product tracked by lot or serial number has its
lot (one unit per serial, a serial once) and an untracked one none. A file with any bad row is refused as a whole with
each row's errors (:class:`RowsRefused`); a good one becomes one receipt per row,
all in the caller's one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.auth.context import check
from core.errors import Unprocessable, ValidationError
from core.extensions import db
from core.models import Product, User
from core.tabular import RowError, rows_of
from core.tabular_limits import ImportRefused
from plugins.stock import ledger, lots, services
from plugins.stock.ledger import Effect
from plugins.stock.models import MoveKind, StockWarehouse, Tracking
from plugins.stock.warehouses import default_warehouse, warehouses_of

# The columns a file may have, by the names a header may give them (compared without case, spaces or underscores).
COLUMNS: dict[str, tuple[str, ...]] = {
    "product_code": ("productcode", "product", "产品编码", "商品编码", "产品代码"),
    "quantity": ("quantity", "qty", "数量"),
    "warehouse_code": ("warehousecode", "warehouse", "仓库编码", "仓库"),
    "lot": ("lot", "lotnumber", "serial", "serialnumber", "批号", "批次号", "序列号"),
    "note": ("note", "notes", "备注"),
}
REQUIRED = ("product_code", "quantity")
_IN_CHUNK = 900  # parameters per IN (...) query, under every database's limit


class RowsRefused(Unprocessable):
    """The file's rows have errors: nothing was received; ``rows`` lists every error (row, column, reason)."""

    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(_("%(count)s rows of the file have errors: nothing was received", count=len(rows)),
                         errors=[{"row": error.row, "field": error.column, "message": str(error.reason)}
                                 for error in rows])
        self.rows = rows


@dataclass(frozen=True)
class _Receipt:
    row: int
    product: Product
    warehouse: StockWarehouse | None  # None: the default warehouse
    quantity: Decimal
    lot: str | None
    note: str | None


def _key(name: str) -> str:
    return "".join(name.split()).replace("_", "").replace("-", "").lower()


def _positions(header: list[str]) -> dict[str, int]:
    """Which position of the header holds which column; refuses a header without a required one, naming it."""
    keys = [_key(cell) for cell in header]
    found: dict[str, int] = {}
    for name, aliases in COLUMNS.items():
        position = next((keys.index(alias) for alias in aliases if alias in keys), None)
        if position is not None:
            found[name] = position
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise ImportRefused(_("the file has no column %(columns)s", columns=", ".join(missing)), field="file")
    return found


def import_stock(actor: User, filename: str, data: bytes) -> int:
    """Receive the file's rows (see the module); the count of rows received. Raises :class:`RowsRefused`."""
    check(actor, services.MOVE)
    rows = rows_of(filename, data)
    header = next(rows)
    positions = _positions(header)
    column = {name: header[at].strip() or name for name, at in positions.items()}
    table = [(number, {name: (cells[at].strip() if at < len(cells) else "") for name, at in positions.items()})
             for number, cells in enumerate(rows, start=2)]
    products = _products(actor.company_id, {values["product_code"] for _number, values in table})
    warehouses = {row.code: row for row in warehouses_of(actor.company_id)}
    tracking = lots.tracking_of(product.id for product in products.values())
    column.setdefault("lot", "lot")
    errors: list[RowError] = []
    receipts: list[_Receipt] = []
    for number, values in table:
        receipt = _checked(number, values, column, products, warehouses, tracking, errors)
        if receipt is not None:
            receipts.append(receipt)
    _serials_once(receipts, tracking, column, errors)
    if errors:
        raise RowsRefused(errors)
    default = default_warehouse(actor.company_id) if any(r.warehouse is None for r in receipts) else None
    for receipt in receipts:
        warehouse = receipt.warehouse or default
        assert warehouse is not None
        balance = ledger.balance_for(warehouse, receipt.product.id)
        try:
            lot = services.lot_in(warehouse, receipt.product, tracking[receipt.product.id], receipt.lot,
                                  receipt.quantity)
        except ValidationError as error:  # a serial in stock already
            errors.append(RowError(receipt.row, column.get(error.field or "lot", "lot"), error.message))
            continue
        move = ledger.post(balance, MoveKind.RECEIPT, Effect(on_hand=receipt.quantity), actor=actor,
                           reason=receipt.note, reference=filename[:services.REFERENCE_MAX], lot=lot)
        audit.record(company_id=move.company_id, entity="stock_move", entity_id=move.id, action="stock_imported",
                     actor=actor, after={"product": receipt.product.code, "warehouse": warehouse.code,
                                         "lot": receipt.lot, "quantity": str(move.on_hand), "reason": move.reason,
                                         "reference": move.reference})
    if errors:  # the handler rolls back what the good rows wrote
        raise RowsRefused(errors)
    return len(receipts)


def _serials_once(receipts: list[_Receipt], tracking: dict[int, Tracking], column: dict[str, str],
                  errors: list[RowError]) -> None:
    """A serial number is one unit: a file naming it twice for one product has the later rows refused."""
    seen: set[tuple[int, str]] = set()
    for receipt in receipts:
        if tracking.get(receipt.product.id) != Tracking.SERIAL or receipt.lot is None:
            continue
        key = (receipt.product.id, receipt.lot)
        if key in seen:
            errors.append(RowError(receipt.row, column["lot"], _("serial number %(lot)s is in the file twice",
                                                                  lot=receipt.lot)))
        seen.add(key)


def _checked(number: int, values: dict[str, str], column: dict[str, str], products: dict[str, Product],
             warehouses: dict[str, StockWarehouse], tracking: dict[int, Tracking],
             errors: list[RowError]) -> _Receipt | None:
    """The row's receipt, or None with its errors added (every column's, not only the first)."""
    before = len(errors)
    code = values["product_code"]
    product = products.get(code)
    if not code:
        errors.append(RowError(number, column["product_code"], _("the product code is empty")))
    elif product is None:
        errors.append(RowError(number, column["product_code"], _("product %(code)s does not exist", code=code)))
    amount: Decimal | None = None
    try:
        amount = services.quantity(values["quantity"]) if values["quantity"] else None
        if amount is None:
            errors.append(RowError(number, column["quantity"], _("the quantity is empty")))
    except ValidationError as error:
        errors.append(RowError(number, column["quantity"], error.message))
    warehouse_code = values.get("warehouse_code", "")
    warehouse = warehouses.get(warehouse_code) if warehouse_code else None
    if warehouse_code and warehouse is None:
        errors.append(RowError(number, column["warehouse_code"],
                               _("warehouse %(code)s does not exist", code=warehouse_code)))
    note = values.get("note") or None
    if note is not None and len(note) > services.REASON_MAX:
        errors.append(RowError(number, column["note"], _("at most %(limit)s characters", limit=services.REASON_MAX)))
    lot = values.get("lot") or None
    if lot is not None and len(lot) > lots.LOT_MAX:
        errors.append(RowError(number, column["lot"], _("at most %(limit)s characters", limit=lots.LOT_MAX)))
    elif product is not None and amount is not None:
        try:
            lots.checked_lot(product, tracking.get(product.id, Tracking.NONE), lot, amount)
        except ValidationError as error:
            errors.append(RowError(number, column.get(error.field or "lot", "lot"), error.message))
    if len(errors) > before or product is None or amount is None:
        return None
    return _Receipt(number, product, warehouse, amount, lot, note)


def _products(company_id: int, codes: set[str]) -> dict[str, Product]:
    wanted = sorted(codes - {""})
    found: dict[str, Product] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        found.update((row.code, row) for row in db.session.execute(select(Product).where(
            Product.company_id == company_id, Product.code.in_(wanted[start:start + _IN_CHUNK]))).scalars())
    return found
