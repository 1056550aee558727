"""The balance row is the ledger's running sum: after any sequence of moves, and as ``ordo stock check`` says."""
from __future__ import annotations

import os
import random
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from core.db import commit
from core.errors import OrdoError
from core.extensions import db
from core.models import Order
from plugins.stock import ledger, reservations, services
from plugins.stock.models import StockBalance
from tests import factories
from tests.concurrency import all_at_once
from tests.flows import Flow


def test_a_random_sequence_of_moves_keeps_every_balance_equal_to_its_ledger(app, world):
    rng = random.Random(22)
    actor = world.users["logistics"]
    flow = Flow(app, world)
    products = world.products
    orders = []
    for step in range(120):
        product = rng.choice(products)
        what = rng.choice(("receipt", "adjust", "order", "cancel", "ship"))
        try:
            if what == "receipt":
                services.receive(actor, product_id=product.id, quantity_received=Decimal(rng.randint(1, 30)))
            elif what == "adjust":
                services.adjust(actor, product_id=product.id, change=Decimal(rng.randint(-10, 10) or 1),
                                reason=f"count {step}")
            elif what == "order":
                commit()
                orders.append(flow.submit(flow.create(lines=[
                    {"product_id": rng.choice(products).id, "quantity": str(rng.randint(1, 15))}
                    for _ in range(rng.randint(1, 3))]))["id"])
            elif orders:
                order = db.session.get(Order, orders.pop(rng.randrange(len(orders))))
                if what == "cancel":
                    reservations.release(order, actor)
                else:
                    reservations.issue(order, [(line.id, line.quantity) for line in order.lines], actor, "S")
            commit()
        except OrdoError:  # refused (an adjustment below what is reserved): nothing written
            db.session.rollback()
        assert ledger.mismatches() == [], (step, what)
    balances = db.session.execute(select(StockBalance)).scalars().all()
    assert balances and all(b.on_hand >= b.reserved >= 0 for b in balances)


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
