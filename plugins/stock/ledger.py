"""The ledger: the one function that writes a move, and keeps the balance row in step with it.

Every move locks its balance row (``SELECT ... FOR UPDATE``) before reading
it, so two sessions moving the same product in the same warehouse take turns:
the second reads what the first left. The balance's CHECK constraints are the
last guard (never negative, never more reserved than on hand); the services
refuse such a move with a message before it reaches them.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from core.db import flush
from core.extensions import db
from core.models import User
from core.models.types import utcnow
from plugins.stock.models import ZERO, MoveKind, StockBalance, StockLotBalance, StockMove, StockWarehouse


@dataclass(frozen=True)
class Effect:
    """What a move does to the three quantities of its balance."""

    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    quarantine: Decimal = ZERO


def locked_balances(company_id: int, product_ids: Iterable[int],
                    warehouse_id: int | None = None) -> list[StockBalance]:
    """The balances of these products (in one warehouse, or all of the company's), locked until the commit.

    Always in the order (product, warehouse id), so that two sessions locking
    several rows lock them in the same order and never wait on each other in a circle.
    """
    query = (select(StockBalance).where(StockBalance.company_id == company_id,
                                        StockBalance.product_id.in_(sorted(set(product_ids))))
             .order_by(StockBalance.product_id, StockBalance.warehouse_id)
             .with_for_update(of=StockBalance).execution_options(populate_existing=True))
    if warehouse_id is not None:
        query = query.where(StockBalance.warehouse_id == warehouse_id)
    return list(db.session.execute(query).scalars().unique())


def balance_for(warehouse: StockWarehouse, product_id: int) -> StockBalance:
    """The locked balance of a product in a warehouse, made (all zero) on its first move."""
    rows = locked_balances(warehouse.company_id, [product_id], warehouse.id)
    if rows:
        return rows[0]
    balance = StockBalance(company_id=warehouse.company_id, warehouse_id=warehouse.id, product_id=product_id,
                           on_hand=ZERO, reserved=ZERO, quarantine=ZERO)
    db.session.add(balance)
    flush()  # two first receipts at once: the second is a Conflict (unique warehouse, product)
    return balance


def post(balance: StockBalance, kind: MoveKind, effect: Effect, *, actor: User | None,
         order_id: int | None = None, order_line_id: int | None = None, reason: str | None = None,
         reference: str | None = None, lot: StockLotBalance | None = None) -> StockMove:
    """Write one move and apply its effect to its (locked) balance, and to its lot's (locked) balance when it
    moves a lot, in the same flush. A lot holds on hand and quarantine; reservations are the product's."""
    move = StockMove(company_id=balance.company_id, warehouse_id=balance.warehouse_id,
                     product_id=balance.product_id, lot_id=lot.lot_id if lot is not None else None, kind=kind,
                     on_hand=effect.on_hand, reserved=effect.reserved,
                     quarantine=effect.quarantine, order_id=order_id, order_line_id=order_line_id, reason=reason,
                     reference=reference, at=utcnow(), actor_id=actor.id if actor is not None else None)
    balance.on_hand += effect.on_hand
    balance.reserved += effect.reserved
    balance.quarantine += effect.quarantine
    if lot is not None:
        lot.on_hand += effect.on_hand
        lot.quarantine += effect.quarantine
    db.session.add(move)
    flush()
    return move


@dataclass(frozen=True)
class Mismatch:
    """A balance (of a product, or of one of its lots) that does not equal the sum of its moves."""

    warehouse_id: int
    product_id: int
    balance: tuple[Decimal, Decimal, Decimal]  # on hand, reserved, quarantine as the row holds them
    ledger: tuple[Decimal, Decimal, Decimal]  # the same, summed from the moves
    lot_id: int | None = None  # a lot's balance: its reserved is always 0 (reservations are per product)


def mismatches(company_id: int | None = None) -> list[Mismatch]:
    """Every balance (of one company, or all) that its moves do not add up to, the products' then the lots':
    four queries, however many."""
    sums = select(StockMove.warehouse_id, StockMove.product_id, func.sum(StockMove.on_hand),
                  func.sum(StockMove.reserved), func.sum(StockMove.quarantine)).group_by(
        StockMove.warehouse_id, StockMove.product_id)
    rows = select(StockBalance.warehouse_id, StockBalance.product_id, StockBalance.on_hand, StockBalance.reserved,
                  StockBalance.quarantine)
    if company_id is not None:
        sums = sums.where(StockMove.company_id == company_id)
        rows = rows.where(StockBalance.company_id == company_id)
    ledger = {(w, p): (_dec(a), _dec(b), _dec(c)) for w, p, a, b, c in db.session.execute(sums)}
    kept = {(w, p): (_dec(a), _dec(b), _dec(c)) for w, p, a, b, c in db.session.execute(rows)}
    nothing = (ZERO, ZERO, ZERO)
    found = [Mismatch(key[0], key[1], kept.get(key, nothing), ledger.get(key, nothing))
             for key in sorted(set(ledger) | set(kept)) if kept.get(key, nothing) != ledger.get(key, nothing)]
    return found + _lot_mismatches(company_id)


def _lot_mismatches(company_id: int | None) -> list[Mismatch]:
    sums = select(StockMove.warehouse_id, StockMove.product_id, StockMove.lot_id, func.sum(StockMove.on_hand),
                  func.sum(StockMove.quarantine)).where(StockMove.lot_id.is_not(None)).group_by(
        StockMove.warehouse_id, StockMove.product_id, StockMove.lot_id)
    rows = select(StockLotBalance.warehouse_id, StockLotBalance.product_id, StockLotBalance.lot_id,
                  StockLotBalance.on_hand, StockLotBalance.quarantine)
    if company_id is not None:
        sums = sums.where(StockMove.company_id == company_id)
        rows = rows.where(StockLotBalance.company_id == company_id)
    ledger: dict[tuple[int, int, int | None], tuple[Decimal, Decimal, Decimal]] = {
        (w, p, lot): (_dec(a), ZERO, _dec(c)) for w, p, lot, a, c in db.session.execute(sums)}
    kept: dict[tuple[int, int, int | None], tuple[Decimal, Decimal, Decimal]] = {
        (w, p, lot): (_dec(a), ZERO, _dec(c)) for w, p, lot, a, c in db.session.execute(rows)}
    nothing = (ZERO, ZERO, ZERO)
    return [Mismatch(key[0], key[1], kept.get(key, nothing), ledger.get(key, nothing), lot_id=key[2])
            for key in sorted(set(ledger) | set(kept)) if kept.get(key, nothing) != ledger.get(key, nothing)]


def _dec(value: Decimal | None) -> Decimal:
    return Decimal(value or 0).normalize() + 0  # 5.000 and 5 compare equal; -0 reads 0


def reserved_per_line(order_id: int) -> dict[tuple[int, int, int], Decimal]:
    """What is reserved for each line of an order: ``{(line id, warehouse id, product id): quantity}``.

    Read from the moves, so a line a change removed still shows what it holds.
    """
    rows = db.session.execute(
        select(StockMove.order_line_id, StockMove.warehouse_id, StockMove.product_id, func.sum(StockMove.reserved))
        .where(StockMove.order_id == order_id, StockMove.order_line_id.is_not(None))
        .group_by(StockMove.order_line_id, StockMove.warehouse_id, StockMove.product_id))
    return {(line, warehouse, product): Decimal(quantity)
            for line, warehouse, product, quantity in rows if quantity and line is not None}


def per_line(reserved: dict[tuple[int, int, int], Decimal]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for (line, _warehouse, _product), quantity in reserved.items():
        totals[line] = totals.get(line, ZERO) + quantity
    return totals


def sequence_of(items: Sequence[StockBalance]) -> list[StockBalance]:
    """Balances in the order a reservation draws on them: the default warehouse first."""
    return sorted(items, key=lambda b: (not b.warehouse.is_default, b.warehouse_id))
