"""Every subset of the four switchable stages, in one app with two companies set up differently."""
from __future__ import annotations

from itertools import combinations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from core.plugins import Manifest, discover
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
        # Company A has exactly these stages on; company B has the others.
        a = factories.build_world(app, "A", modules={s: s in stages for s in STAGES})
        b = factories.build_world(app, "B", modules={s: s not in stages for s in STAGES})
        for world, on in ((a, set(stages)), (b, set(STAGES) - stages)):
            order = Flow(app, world).run(on)
            assert order["status"] == "completed", (world.company.code, on)
            assert sorted(order["pinned_modules"]) == sorted(on | {"intake", "recorder"})
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
