"""Stock by hand and what it reads: receipts, adjustments, the balances, the moves and a product's availability.

Services check everything before they write anything and never commit (the
API, portal or CLI commits). A quantity is a Decimal of at most the order
line's precision; a move in another company's warehouse, or of another
company's product, is a 404 naming the field.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from core import audit
from core.auth.context import check
from core.db import is_id, page_of
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.keyset import Keyset, Kind
from core.models import Product, User
from plugins.stock import ledger, lots
from plugins.stock.ledger import Effect
from plugins.stock.models import (
    ZERO, MoveKind, StockBalance, StockLot, StockLotBalance, StockMove, StockWarehouse, Tracking,
)
from plugins.stock.warehouses import warehouse_for

VIEW = "stock.view"
MOVE = "stock.move"
REASON_MAX = 500
REFERENCE_MAX = 64
QUANTITY_PLACES = 3
QUANTITY_MAX = Decimal("1000000000")

BALANCES_BY_PRODUCT = Keyset(StockBalance.id)
LOTS_IN_ORDER = Keyset(StockLot.id)
NEWEST_MOVES_FIRST = Keyset(StockMove.id, StockMove.at, Kind.DATETIME, descending=True)


# --- input ---------------------------------------------------------------------


def quantity(value: Any, field: str = "quantity", *, signed: bool = False) -> Decimal:
    """A quantity a client sent: a number above zero (not zero, either sign, when ``signed``), 3 places at most."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("the quantity is a number"), field=field) from None
    if isinstance(value, bool) or not number.is_finite():
        raise ValidationError(_("the quantity is a number"), field=field)
    if number.as_tuple().exponent < -QUANTITY_PLACES:  # type: ignore[operator]
        raise ValidationError(_("the quantity has at most %(places)s decimal places", places=QUANTITY_PLACES),
                              field=field)
    if abs(number) >= QUANTITY_MAX:
        raise ValidationError(_("the quantity is too large"), field=field)
    if signed and number == 0:
        raise ValidationError(_("an adjustment changes the quantity: it is not zero"), field=field)
    if not signed and number <= 0:
        raise ValidationError(_("the quantity received is more than zero"), field=field)
    return number


def _text(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(_("this is text"), field=field)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(_("at most %(limit)s characters", limit=limit), field=field)
    return value or None


def product_for(company_id: int, product_id: Any) -> Product:
    """The company's product a client named; another company's (or none) is a 404 naming ``product_id``."""
    if not isinstance(product_id, int) or isinstance(product_id, bool) or not is_id(product_id):
        raise NotFound(_("product %(id)s does not exist", id=product_id), field="product_id")
    product = db.session.get(Product, product_id)
    if product is None or product.company_id != company_id:
        raise NotFound(_("product %(id)s does not exist", id=product_id), field="product_id")
    return product


# --- moves by hand ----------------------------------------------------------------


def receive(actor: User, *, product_id: Any, quantity_received: Any, warehouse_id: Any = None,
            reference: Any = None, lot: Any = None) -> StockMove:
    """Goods came in: on hand rises by a quantity above zero (of the lot named, for a tracked product)."""
    check(actor, MOVE)
    amount = quantity(quantity_received)
    reference = _text(reference, "reference", REFERENCE_MAX)
    name = lots.lot_name(lot)
    product = product_for(actor.company_id, product_id)
    warehouse = warehouse_for(actor.company_id, warehouse_id)
    tracking = lots.tracking_of([product.id])[product.id]
    lots.checked_lot(product, tracking, name, amount)
    balance = ledger.balance_for(warehouse, product.id)
    lot_balance = lot_in(warehouse, product, tracking, name, amount)
    move = ledger.post(balance, MoveKind.RECEIPT, Effect(on_hand=amount), actor=actor, reference=reference,
                       lot=lot_balance)
    _audit(move, "stock_received", actor)
    return move


def adjust(actor: User, *, product_id: Any, change: Any, reason: Any, warehouse_id: Any = None,
           lot: Any = None) -> StockMove:
    """A count corrected, up or down, with the reason (of the lot named, for a tracked product); never below
    what is reserved, nor a lot below nothing."""
    check(actor, MOVE)
    amount = quantity(change, signed=True)
    reason = _text(reason, "reason", REASON_MAX)
    if reason is None:
        raise ValidationError(_("say why the stock is adjusted"), field="reason")
    name = lots.lot_name(lot)
    product = product_for(actor.company_id, product_id)
    warehouse = warehouse_for(actor.company_id, warehouse_id)
    tracking = lots.tracking_of([product.id])[product.id]
    lots.checked_lot(product, tracking, name, amount)
    balance = ledger.balance_for(warehouse, product.id)
    if balance.on_hand + amount < balance.reserved:
        raise ValidationError(_("%(product)s has %(on_hand)s on hand, %(reserved)s of it reserved: it cannot fall "
                                "by %(change)s", product=product.code, on_hand=balance.on_hand,
                                reserved=balance.reserved, change=-amount), field="quantity")
    lot_balance = lot_in(warehouse, product, tracking, name, amount)
    move = ledger.post(balance, MoveKind.ADJUSTMENT, Effect(on_hand=amount), actor=actor, reason=reason,
                       lot=lot_balance)
    _audit(move, "stock_adjusted", actor)
    return move


def lot_in(warehouse: StockWarehouse, product: Product, tracking: Tracking, name: str | None,
            amount: Decimal) -> StockLotBalance | None:
    """The locked balance of the lot a move names (None for an untracked product), refusing a serial in stock
    twice and a lot falling below nothing (each a ValidationError naming ``lot`` or ``quantity``)."""
    if tracking == Tracking.NONE or name is None:
        return None
    lot = lots.lot_for(product, name, make=amount > 0)
    if lot is None:
        raise ValidationError(_("%(product)s has no lot %(lot)s", product=product.code, lot=name), field="lot")
    if tracking == Tracking.SERIAL and amount > 0 and lots.serial_in_stock(lot):
        raise ValidationError(_("serial number %(lot)s of %(product)s is in stock already", lot=name,
                                product=product.code), field="lot")
    lot_balance = lots.lot_balance_for(warehouse, lot)
    if lot_balance.on_hand + amount < 0:
        raise ValidationError(_("lot %(lot)s has %(on_hand)s on hand in %(warehouse)s: it cannot fall by "
                                "%(change)s", lot=name, on_hand=lot_balance.on_hand, warehouse=warehouse.code,
                                change=-amount), field="quantity")
    return lot_balance


def set_tracking(actor: User, *, product_id: Any, tracking: Any) -> Tracking:
    """Track a product by lot or serial number, or not at all."""
    check(actor, MOVE)
    return lots.set_tracking(actor, product_for(actor.company_id, product_id), tracking)


def tracking(user: User, product_id: Any) -> dict[str, Any]:
    check(user, VIEW)
    product = product_for(user.company_id, product_id)
    return {"product_id": product.id, "tracking": lots.tracking_of([product.id])[product.id]}


def search_lots(user: User, *, page: int | None = None, per_page: int = 25, cursor: str | None = None,
                product_id: int | None = None, q: str | None = None) -> dict[str, Any]:
    check(user, VIEW)
    if product_id is not None:
        product_for(user.company_id, product_id)
    return page_of(lots.lots_query(user.company_id, product_id=product_id, q=q), LOTS_IN_ORDER, page=page,
                   per_page=per_page, cursor=cursor)


def _audit(move: StockMove, action: str, actor: User) -> None:
    audit.record(company_id=move.company_id, entity="stock_move", entity_id=move.id, action=action, actor=actor,
                 after={"product": move.product.code, "warehouse": move.warehouse.code,
                        "lot": move.lot.name if move.lot is not None else None,
                        "quantity": str(move.on_hand), "reason": move.reason, "reference": move.reference})


# --- reading ---------------------------------------------------------------------


def _search(query: Select[Any], text: str | None) -> Select[Any]:
    if not text:
        return query
    pattern = f"%{text.strip()}%"
    return query.where(or_(Product.code.ilike(pattern), Product.name.ilike(pattern)))


def balances_query(company_id: int, *, q: str | None = None, warehouse_id: int | None = None,
                   product_id: int | None = None, short: bool = False) -> Select[Any]:
    """The company's balances, with search (product code or name), warehouse, product and "nothing available"."""
    query = (select(StockBalance).join(Product, Product.id == StockBalance.product_id)
             .where(StockBalance.company_id == company_id))
    if warehouse_id is not None:
        query = query.where(StockBalance.warehouse_id == warehouse_id)
    if product_id is not None:
        query = query.where(StockBalance.product_id == product_id)
    if short:
        query = query.where(StockBalance.on_hand - StockBalance.reserved <= 0)
    return _search(query, q)


def search_balances(user: User, *, page: int | None = None, per_page: int = 25, cursor: str | None = None,
                    **filters: Any) -> dict[str, Any]:
    check(user, VIEW)
    return page_of(balances_query(user.company_id, **filters), BALANCES_BY_PRODUCT, page=page, per_page=per_page,
                   cursor=cursor)


def moves_query(company_id: int, *, q: str | None = None, warehouse_id: int | None = None,
                product_id: int | None = None, kind: MoveKind | None = None,
                order_id: int | None = None) -> Select[Any]:
    query = (select(StockMove).join(Product, Product.id == StockMove.product_id)
             .where(StockMove.company_id == company_id))
    for column, value in ((StockMove.warehouse_id, warehouse_id), (StockMove.product_id, product_id),
                          (StockMove.kind, kind), (StockMove.order_id, order_id)):
        if value is not None:
            query = query.where(column == value)
    return _search(query, q)


def search_moves(user: User, *, page: int | None = None, per_page: int = 25, cursor: str | None = None,
                 **filters: Any) -> dict[str, Any]:
    check(user, VIEW)
    return page_of(moves_query(user.company_id, **filters), NEWEST_MOVES_FIRST, page=page, per_page=per_page,
                   cursor=cursor)


@dataclass(frozen=True)
class Availability:
    product_id: int
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    quarantine: Decimal
    warehouses: list[StockBalance]


def availability(user: User, product_id: Any) -> Availability:
    """A product's stock over the company's warehouses: one query."""
    check(user, VIEW)
    product = product_for(user.company_id, product_id)
    rows = list(db.session.execute(select(StockBalance).where(
        StockBalance.company_id == user.company_id, StockBalance.product_id == product.id)
        .order_by(StockBalance.warehouse_id)).scalars())
    on_hand = sum((b.on_hand for b in rows), ZERO)
    reserved = sum((b.reserved for b in rows), ZERO)
    return Availability(product.id, on_hand, reserved, on_hand - reserved, sum((b.quarantine for b in rows), ZERO),
                        rows)


def available_by_product(company_id: int, product_ids: list[int]) -> dict[int, Decimal]:
    """What is available of each product over the company's warehouses: one query for any number of products."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(StockBalance.product_id, func.sum(StockBalance.on_hand - StockBalance.reserved))
        .where(StockBalance.company_id == company_id, StockBalance.product_id.in_(sorted(set(product_ids))))
        .group_by(StockBalance.product_id))
    found = {product: Decimal(amount) for product, amount in rows}
    return {product: found.get(product, ZERO) for product in product_ids}
