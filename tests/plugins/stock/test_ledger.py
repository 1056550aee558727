"""The balance row is the ledger's running sum: after any sequence of moves, and as ``ordo stock check`` says."""
from __future__ import annotations

import os
import random
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from core.db import commit
from core.errors import OrdoError
from core.extensions import db
from core.models import Order
from plugins.stock import ledger, lots, reservations, services
from plugins.stock.models import MoveKind, StockBalance, StockLotBalance, StockMove, Tracking
from tests import factories
from tests.concurrency import all_at_once
from tests.flows import Flow


def test_a_random_sequence_of_moves_keeps_every_balance_equal_to_its_ledger(app):
    """Products tracked by lot, by serial and not at all; receipts, adjustments, orders reserving (approved at
    submission: review is off), cancelled, shipped and returned: after every step each balance, the products'
    and the lots', is its moves' sum."""
    world = factories.build_world(app, "RAND", modules={"stock": True, "review": False})
    rng = random.Random(22)
    actor = world.users["logistics"]
    flow = Flow(app, world)
    products = world.products
    lots.set_tracking(actor, products[0], Tracking.LOT)
    lots.set_tracking(actor, products[1], Tracking.SERIAL)
    commit()
    serials = iter(range(10_000))

    def lot_of(product, change: Decimal) -> tuple[Decimal, str | None]:
        if product.id == products[0].id:
            return change, rng.choice(("L-A", "L-B", "L-C"))
        if product.id == products[1].id:
            return (Decimal(1), f"SN-{next(serials)}") if change > 0 else (Decimal(-1), f"SN-{rng.randrange(40)}")
        return change, None

    orders: list[int] = []
    shipped: list[int] = []
    for step in range(150):
        product = rng.choice(products)
        what = rng.choice(("receipt", "adjust", "order", "cancel", "ship", "return"))
        try:
            if what == "receipt":
                amount, lot = lot_of(product, Decimal(rng.randint(1, 30)))
                services.receive(actor, product_id=product.id, quantity_received=amount, lot=lot)
            elif what == "adjust":
                amount, lot = lot_of(product, Decimal(rng.randint(-10, 10) or 1))
                services.adjust(actor, product_id=product.id, change=amount, reason=f"count {step}", lot=lot)
            elif what == "order":
                commit()
                orders.append(flow.submit(flow.create(lines=[
                    {"product_id": rng.choice(products).id, "quantity": str(rng.randint(1, 15))}
                    for _ in range(rng.randint(1, 3))]))["id"])
            elif what == "return" and shipped:
                order = db.session.get(Order, rng.choice(shipped))
                line = rng.choice(order.lines)
                reservations.take_back(order, line, Decimal(rng.randint(1, 3)), sound=rng.random() < 0.7,
                                       actor=actor, reference=f"C-{step}")
            elif orders and what in ("cancel", "ship"):
                order = db.session.get(Order, orders.pop(rng.randrange(len(orders))))
                if what == "cancel":
                    reservations.release(order, actor)
                else:
                    reservations.issue(order, [(line.id, line.quantity) for line in order.lines], actor, "S")
                    shipped.append(order.id)
            commit()
        except OrdoError:  # refused (an adjustment below what is reserved, a serial twice): nothing written
            db.session.rollback()
        assert ledger.mismatches() == [], (step, what)
    balances = db.session.execute(select(StockBalance)).scalars().all()
    assert balances and all(b.on_hand >= b.reserved >= 0 for b in balances)
    by_lot = db.session.execute(select(StockLotBalance)).scalars().all()
    assert {row.product_id for row in by_lot} == {products[0].id, products[1].id}
    for kind in (MoveKind.ISSUE, MoveKind.RETURN):  # lots went out and came back
        assert db.session.execute(select(func.count()).select_from(StockMove).where(
            StockMove.kind == kind, StockMove.lot_id.is_not(None))).scalar_one() > 0, kind
    # A serial is never more than one unit in stock.
    assert all(row.on_hand + row.quarantine <= 1 for row in by_lot if row.product_id == products[1].id)


def test_ordo_stock_check_finds_a_balance_edited_behind_the_ledgers_back(app, world, runner):
    services.receive(world.users["logistics"], product_id=world.products[0].id, quantity_received=Decimal(5))
    commit()
    good = runner.invoke(args=["stock", "check"])
    assert good.exit_code == 0 and "every stock balance equals" in good.output
    db.session.execute(update(StockBalance).values(on_hand=Decimal(6)))
    commit()
    bad = runner.invoke(args=["stock", "check"])
    assert bad.exit_code == 1 and "balance (on hand, reserved, quarantine) 6" in bad.output


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_two_orders_approved_at_once_for_the_last_units_exactly_one_gets_them(app):
    """What an approval runs (``review_decided``: reserve), for two orders in two sessions at the same moment.

    Submitting through the API would not race: intake's numbering serialises submissions. The orders are
    approved while nothing is in stock; then the last 5 units arrive and both approvals' reservations run at once.
    """
    world = factories.build_world(app, "RACE", modules={"stock": True, "review": False})
    flow = Flow(app, world)
    order_ids = [flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "5"}]))["id"]
                 for _ in range(2)]
    services.receive(world.users["logistics"], product_id=world.products[0].id, quantity_received=Decimal(5))
    commit()

    def approve(order_id: int) -> None:
        reservations.reserve(db.session.get(Order, order_id), None)

    assert all_at_once(app, approve, order_ids) == []
    held = [sum(ledger.per_line(ledger.reserved_per_line(order_id)).values(), Decimal(0)) for order_id in order_ids]
    assert sorted(held) == [Decimal(0), Decimal(5)]
    balance = db.session.execute(select(StockBalance)).scalar_one()
    assert (balance.on_hand, balance.reserved) == (Decimal(5), Decimal(5))
    assert ledger.mismatches() == []
