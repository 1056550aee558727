"""Stock follows the order through the core's events: reserved at approval, released at cancellation,
adjusted by a change, issued at dispatch, taken back on a return; and a company without it is untouched."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Order
from core.orders import actions
from plugins.stock import ledger
from plugins.stock.models import StockMove
from tests import factories
from tests.flows import Flow


@pytest.fixture
def world(app) -> factories.World:
    # Review off: the core's fallback approves at submission, and changes apply at once.
    return factories.build_world(app, modules={"stock": True, "review": False})


def lines(flow, *quantities: str) -> list[dict]:
    return [{"product_id": flow.world.products[0].id, "quantity": quantity} for quantity in quantities]


def reserved_for(order_id: int) -> dict[int, Decimal]:
    return ledger.per_line(ledger.reserved_per_line(order_id))


def test_approval_reserves_what_is_available_line_by_line_and_reports_the_shortfall(flow, receive, stock_of):
    receive("12")
    order = flow.submit(flow.create(lines=lines(flow, "8", "6")))
    assert order["status"] == "approved"
    first, second = (line["id"] for line in order["lines"])
    assert reserved_for(order["id"]) == {first: Decimal(8), second: Decimal(4)}
    assert stock_of() == {"on_hand": Decimal(12), "reserved": Decimal(12), "available": 0, "quarantine": 0}
    short = db.session.execute(select(AuditEntry.after).where(
        AuditEntry.order_id == order["id"], AuditEntry.action == "stock_reserved")).scalar_one()["short"]
    assert short == [{"line_no": 2, "product": flow.world.products[0].code, "wanted": "6.000", "reserved": "4.000"}]
    # First come, first served: the next order finds nothing left.
    later = flow.submit(flow.create(lines=lines(flow, "1")))
    assert reserved_for(later["id"]) == {}
    assert ledger.mismatches() == []


def test_cancelling_releases_everything_reserved(app, flow, receive, stock_of):
    receive("10")
    order = flow.submit(flow.create(lines=lines(flow, "7")))
    assert stock_of()["reserved"] == 7
    actions.cancel(db.session.get(Order, order["id"]), actor=flow.world.users["administrator"], reason="客户取消")
    commit()
    assert stock_of() == {"on_hand": Decimal(10), "reserved": 0, "available": Decimal(10), "quarantine": 0}
    assert reserved_for(order["id"]) == {}


def test_an_approved_change_releases_what_a_smaller_or_removed_line_no_longer_needs_and_reserves_more(
        app, stock_of):
    # Changes are recorded and reviewed by the review plugin: this company has it on.
    flow = Flow(app, factories.build_world(app, "CHG", modules={"stock": True}))
    flow.ok(flow.api["logistics"].post("/api/v1/stock/receipts", json={
        "product_id": flow.world.products[0].id, "quantity": "20"}), 201)
    order = flow.submit(flow.create(lines=lines(flow, "8", "5")))
    flow.approve_review(order)
    assert reserved_for(order["id"]) and sum(reserved_for(order["id"]).values()) == 13
    flow.ok(flow.api["sales"].post(f"/api/v1/orders/{order['id']}/changes", json={
        "reason": "客户调整", "lines": [{"line_no": 1, "quantity": "3"}, {"line_no": 2, "remove": True},
                                        {"product_id": flow.world.products[0].id, "quantity": "9"}]}), 201)
    flow.approve_review(order)
    changed = flow.get(order)
    assert changed["revision"] == 2
    now = {line["line_no"]: line["id"] for line in changed["lines"]}
    assert reserved_for(order["id"]) == {now[1]: Decimal(3), now[3]: Decimal(9)}
    assert ledger.mismatches() == []


def test_dispatch_issues_per_line_what_was_reserved_and_a_return_puts_goods_back(app, flow, receive, stock_of):
    receive("10")
    order = flow.submit(flow.create(lines=lines(flow, "4")))
    flow.deliver(order, logistics=True)
    assert stock_of() == {"on_hand": Decimal(6), "reserved": 0, "available": Decimal(6), "quarantine": 0}
    line_id = order["lines"][0]["id"]
    issued = db.session.execute(select(StockMove).where(StockMove.kind == "issue")).scalar_one()
    assert (issued.order_line_id, issued.on_hand, issued.reserved) == (line_id, Decimal(-4), Decimal(-4))

    cs = flow.api["customer_service"]
    sound = flow.ok(cs.post(f"/api/v1/orders/{order['id']}/cases", json={
        "case_type": "wrong_item", "description": "发错型号", "order_line_id": line_id, "quantity": "1"}), 201)
    flow.ok(cs.post(f"/api/v1/cases/{sound['id']}/resolve", json={"resolution": "return"}))
    assert stock_of()["on_hand"] == 7
    broken = flow.ok(cs.post(f"/api/v1/orders/{order['id']}/cases", json={
        "case_type": "damaged", "description": "运输损坏", "order_line_id": line_id, "quantity": "2"}), 201)
    flow.ok(cs.post(f"/api/v1/cases/{broken['id']}/resolve", json={"resolution": "return"}))
    # Goods that failed their check are held apart: not on hand, not available.
    assert stock_of() == {"on_hand": Decimal(7), "reserved": 0, "available": Decimal(7), "quarantine": Decimal(2)}
    assert ledger.mismatches() == []


def test_a_company_without_stock_moves_nothing_and_its_orders_are_not_pinned_to_it(app):
    world = factories.build_world(app, "PLAIN", modules={"review": False})
    flow = Flow(app, world)
    order = flow.submit(flow.create())
    assert "stock" not in order["pinned_modules"]
    flow.deliver(order, logistics=True)
    assert db.session.execute(select(StockMove)).first() is None


def test_an_order_approved_with_stock_keeps_its_reservation_when_stock_is_switched_off(flow, receive, stock_of):
    receive("5")
    order = flow.submit(flow.create(lines=lines(flow, "5")))
    flow.ok(flow.api["administrator"].put("/api/v1/modules/stock", json={"enabled": False}))
    # The order is pinned to stock: its dispatch still issues what was reserved for it.
    flow.deliver(order, logistics=True)
    assert reserved_for(order["id"]) == {}
    assert ledger.mismatches() == []
