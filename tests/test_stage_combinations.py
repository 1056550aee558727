"""Every subset of the four switchable stages, in one app with two companies set up differently."""
from __future__ import annotations

from decimal import Decimal
from itertools import combinations

import pytest
from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry
from core.plugins import Manifest, discover
from plugins.stock import ledger as stock_ledger
from plugins.stock import services as stock_services
from plugins.stock.models import StockBalance
from tests import factories
from tests.core.samples import recorder
from tests.flows import STAGES, Flow

RECORDER = Manifest(name="recorder", version="1", hooks="tests.core.samples.recorder", default_enabled=True)
SUBSETS = [frozenset(c) for size in range(len(STAGES) + 1) for c in combinations(STAGES, size)]


def entries(order_id: int, action: str) -> int:
    return db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.order_id == order_id, AuditEntry.action == action)).scalar_one()


@pytest.mark.parametrize("stages", SUBSETS, ids=lambda s: "+".join(sorted(s)) or "none")
def test_an_order_goes_from_entry_to_the_end_under_any_set_of_stages(make_app, stages):
    recorder.SEEN.clear()
    app = make_app(plugins=[*discover(), RECORDER])
    with app.app_context():
        # Company A has exactly these stages on, and stock; company B has the others, without stock. Over the
        # sixteen sets, every set of stages runs once with stock (as A) and once without (as B's complement).
        a = factories.build_world(app, "A", modules={**{s: s in stages for s in STAGES}, "stock": True})
        b = factories.build_world(app, "B", modules={s: s not in stages for s in STAGES})
        # Fewer in stock than the order's 10: partly reserved, so the line is still produced.
        stock_services.receive(a.users["logistics"], product_id=a.products[0].id, quantity_received=Decimal(4))
        commit()
        for world, on, stock in ((a, set(stages), True), (b, set(STAGES) - stages, False)):
            order = Flow(app, world).run(on)
            assert order["status"] == "completed", (world.company.code, on)
            pinned = on | {"intake", "recorder"} | ({"stock"} if stock else set())
            assert sorted(order["pinned_modules"]) == sorted(pinned)
            # With stock the 4 units were reserved at approval and left with the goods; without, nothing moved.
            balances = db.session.execute(select(StockBalance.on_hand, StockBalance.reserved).where(
                StockBalance.company_id == world.company.id)).all()
            assert balances == ([(Decimal(0), Decimal(0))] if stock else [])
            assert stock_ledger.mismatches(world.company.id) == []
            assert entries(order["id"], "review_decided") == 1
            # With logistics the plan's production task put the order into production; without, it skipped it.
            assert entries(order["id"], "production_started") == (1 if "logistics" in on else 0)
            emitted = [e for e, order_id, _ in recorder.SEEN if e == "review_decided" and order_id == order["id"]]
            assert emitted == ["review_decided"]
            kpi = Flow(app, world).api["manager"].get("/api/v1/kpi")
            if "kpi" in on:
                assert kpi.status_code == 200 and kpi.get_json()["counts"]["completed"] == 1
            else:
                assert kpi.status_code == 404
