"""Lots and serial numbers: which products are tracked, the lots they have, and which lots a move takes.

Done as Odoo's ``stock.lot`` does it: a product is tracked not at all, by lot,
or by serial number (one unit per serial). A receipt or an adjustment of a
tracked product names its lot (made the first time it is named); an untracked
product's move names none. Reservations stay per product and warehouse; a
dispatch picks the lots first received first (``pick``), and records one issue
move per lot; a return puts back the lots that line took out (``returned_lots``).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from core import audit
from core.contracts import LineLots, LotQuantity
from core.db import flush
from core.errors import ValidationError
from core.extensions import db
from core.models import Order, Product, User
from plugins.stock.models import ZERO, MoveKind, StockLot, StockLotBalance, StockMove, StockProductTracking, \
    StockWarehouse, Tracking

LOT_MAX = 64
ONE = Decimal(1)


def tracking_of(product_ids: Iterable[int]) -> dict[int, Tracking]:
    """How each product is tracked (a product stock has no setting for is not): one query."""
    wanted = sorted(set(product_ids))
    if not wanted:
        return {}
    found = {row.product_id: row.tracking for row in db.session.execute(
        select(StockProductTracking).where(StockProductTracking.product_id.in_(wanted))).scalars()}
    return {product: found.get(product, Tracking.NONE) for product in wanted}


def set_tracking(actor: User, product: Product, tracking: Any) -> Tracking:
    """Track a product by lot or serial number, or not at all; lots it already has stay on their stock.
    The caller checked the actor may."""
    try:
        chosen = Tracking(tracking)
    except ValueError:
        raise ValidationError(_("the tracking is none, lot or serial"), field="tracking") from None
    row = db.session.get(StockProductTracking, product.id)
    before = None if row is None else {"tracking": row.tracking.value}
    if row is None:
        row = StockProductTracking(product_id=product.id, company_id=product.company_id, tracking=chosen)
        db.session.add(row)
    row.tracking = chosen
    flush()
    audit.record(company_id=product.company_id, entity="product", entity_id=product.id,
                 action="stock_tracking_set", actor=actor, before=before,
                 after={"product": product.code, "tracking": chosen.value})
    return chosen


def lot_name(value: Any) -> str | None:
    """The lot or serial number a client sent: text of at most LOT_MAX characters (None when blank)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(_("the lot is text"), field="lot")
    value = value.strip()
    if len(value) > LOT_MAX:
        raise ValidationError(_("at most %(limit)s characters", limit=LOT_MAX), field="lot")
    return value or None


def checked_lot(product: Product, tracking: Tracking, name: str | None, amount: Decimal) -> None:
    """Refuse a move's lot that does not suit its product: ``lot`` named on an untracked product, missing on a
    tracked one; a serial moves one unit at a time (``quantity``)."""
    if tracking == Tracking.NONE:
        if name is not None:
            raise ValidationError(_("%(product)s is not tracked by lot or serial number: give no lot",
                                    product=product.code), field="lot")
        return
    if name is None:
        raise ValidationError(_("%(product)s is tracked by lot or serial number: give the lot", product=product.code),
                              field="lot")
    if tracking == Tracking.SERIAL and abs(amount) != ONE:
        raise ValidationError(_("%(product)s is tracked by serial number: one unit per serial",
                                product=product.code), field="quantity")


def lot_for(product: Product, name: str, *, make: bool) -> StockLot | None:
    """The product's lot of this name; made when ``make`` (a receipt, an adjustment up) and it does not exist."""
    found = db.session.execute(select(StockLot).where(
        StockLot.company_id == product.company_id, StockLot.product_id == product.id,
        StockLot.name == name)).scalar_one_or_none()
    if found is None and make:
        found = StockLot(company_id=product.company_id, product_id=product.id, name=name)
        db.session.add(found)
        flush()  # two first receipts of one lot at once: the second is a Conflict
    return found


def lot_balance_for(warehouse: StockWarehouse, lot: StockLot) -> StockLotBalance:
    """The locked balance of a lot in a warehouse, made (all zero) on its first move."""
    found = db.session.execute(
        select(StockLotBalance).where(StockLotBalance.warehouse_id == warehouse.id, StockLotBalance.lot_id == lot.id)
        .with_for_update(of=StockLotBalance).execution_options(populate_existing=True)).scalar_one_or_none()
    if found is None:
        found = StockLotBalance(company_id=warehouse.company_id, warehouse_id=warehouse.id,
                                product_id=lot.product_id, lot_id=lot.id, on_hand=ZERO, quarantine=ZERO)
        db.session.add(found)
        flush()
    return found


def serial_in_stock(lot: StockLot) -> bool:
    """Whether a serial number is already in one of the company's warehouses (on hand or in quarantine)."""
    held = db.session.execute(select(func.sum(StockLotBalance.on_hand + StockLotBalance.quarantine)).where(
        StockLotBalance.lot_id == lot.id)).scalar_one()
    return bool(held)


def pick(company_id: int, warehouse_id: int, product_id: int, quantity: Decimal) -> list[tuple[StockLotBalance,
                                                                                              Decimal]]:
    """The lots a quantity leaving a warehouse takes, first received first, locked: ``[(lot balance, quantity)]``.

    What the lots do not cover (stock received before the product was tracked) leaves without a lot.
    """
    rows = db.session.execute(
        select(StockLotBalance).join(StockLot, StockLot.id == StockLotBalance.lot_id)
        .where(StockLotBalance.company_id == company_id, StockLotBalance.warehouse_id == warehouse_id,
               StockLotBalance.product_id == product_id, StockLotBalance.on_hand > 0)
        .order_by(StockLot.created_at, StockLot.id)
        .with_for_update(of=StockLotBalance).execution_options(populate_existing=True)).scalars()
    taken: list[tuple[StockLotBalance, Decimal]] = []
    left = quantity
    for row in rows:
        if left <= 0:
            break
        take = min(left, row.on_hand)
        taken.append((row, take))
        left -= take
    return taken


def returned_lots(order_line_id: int, quantity: Decimal) -> list[tuple[StockLot, Decimal]]:
    """The lots a return of the line's goods puts back: those the line took out, less what came back of them,
    in the order they left; what no lot covers comes back without one."""
    rows = db.session.execute(
        select(StockMove.lot_id, func.sum(StockMove.on_hand), func.sum(StockMove.quarantine), func.min(StockMove.id))
        .where(StockMove.order_line_id == order_line_id, StockMove.lot_id.is_not(None),
               StockMove.kind.in_((MoveKind.ISSUE, MoveKind.RETURN)))
        .group_by(StockMove.lot_id).order_by(func.min(StockMove.id))).all()
    out: dict[int, Decimal] = {lot_id: -(on_hand or ZERO) - (quarantine or ZERO)
                               for lot_id, on_hand, quarantine, _first in rows if lot_id is not None}
    lots = {lot.id: lot for lot in db.session.execute(
        select(StockLot).where(StockLot.id.in_([lot_id for lot_id in out if out[lot_id] > 0]))).scalars()}
    back: list[tuple[StockLot, Decimal]] = []
    left = quantity
    for lot_id, still_out in out.items():
        if left <= 0 or still_out <= 0:
            continue
        take = min(left, still_out)
        back.append((lots[lot_id], take))
        left -= take
    return back


def line_lots(order: Order, shipment_number: str) -> list[LineLots]:
    """Per line of the order, the lots its shipment ``shipment_number`` took out of stock: one query."""
    rows = db.session.execute(
        select(StockMove.order_line_id, StockLot.name, func.sum(StockMove.on_hand))
        .join(StockLot, StockLot.id == StockMove.lot_id)
        .where(StockMove.order_id == order.id, StockMove.kind == MoveKind.ISSUE,
               StockMove.reference == shipment_number, StockMove.order_line_id.is_not(None))
        .group_by(StockMove.order_line_id, StockLot.name, StockLot.id).order_by(StockLot.id)).all()
    by_line: dict[int, list[LotQuantity]] = {}
    for line_id, name, on_hand in rows:
        if line_id is None:
            continue
        by_line.setdefault(line_id, []).append(LotQuantity(name, -Decimal(on_hand)))
    return [LineLots(line_id, tuple(found)) for line_id, found in by_line.items()]


def lots_query(company_id: int, *, product_id: int | None = None, q: str | None = None) -> Select[Any]:
    """The company's lots, of one product or all, searched by the lot's name."""
    query = select(StockLot).where(StockLot.company_id == company_id)
    if product_id is not None:
        query = query.where(StockLot.product_id == product_id)
    if q:
        query = query.where(StockLot.name.ilike(f"%{q.strip()}%"))
    return query
