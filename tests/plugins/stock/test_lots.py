"""Lots and serial numbers: a tracked product's receipts and adjustments name their lot, a dispatch takes the
lots first received first and the certificate of conformity lists them, a return puts the same lot back."""
from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.contracts import DispatchedLine, GoodsDispatched, LineLots, LotQuantity
from core.db import commit
from core.extensions import db
from core.models import Order, utcnow
from core.modules import hooks_for_order
from plugins.stock import ledger
from plugins.stock.models import MoveKind, StockLot, StockLotBalance, StockMove
from tests import factories
from tests.core.test_queries import statements
from tests.flows import Flow


@pytest.fixture
def world(app) -> factories.World:
    # Review off: the core's fallback approves (and reserves) at submission.
    return factories.build_world(app, modules={"stock": True, "review": False})


def track(flow, tracking: str, product=None) -> dict:
    product = product or flow.world.products[0]
    return flow.ok(flow.api["logistics"].put(f"/api/v1/stock/products/{product.id}/tracking",
                                             json={"tracking": tracking}))


def moves() -> int:
    return db.session.execute(select(func.count()).select_from(StockMove)).scalar_one()


def lot_on_hand() -> dict[str, Decimal]:
    return {row.lot.name: row.on_hand for row in db.session.execute(select(StockLotBalance)).scalars()}


def test_a_product_tracked_by_lot_receives_into_its_lots_and_lists_them(flow, receive):
    assert flow.ok(flow.api["sales"].get(
        f"/api/v1/stock/products/{flow.world.products[0].id}/tracking"))["tracking"] == "none"
    assert track(flow, "lot")["tracking"] == "lot"
    first = receive("3", lot="L-A")
    receive("5", lot="L-B")
    receive("2", lot="L-A")
    assert first["lot"]["name"] == "L-A"
    assert lot_on_hand() == {"L-A": Decimal(5), "L-B": Decimal(5)}
    listed = flow.ok(flow.api["sales"].get(f"/api/v1/stock/lots?product_id={flow.world.products[0].id}"))
    assert [(lot["name"], lot["warehouses"][0]["on_hand"]) for lot in listed["items"]] == [
        ("L-A", "5.000"), ("L-B", "5.000")]
    assert flow.ok(flow.api["sales"].get(f"/api/v1/stock/lots?product_id={flow.world.products[1].id}"))["total"] == 0
    assert flow.ok(flow.api["sales"].get("/api/v1/stock/lots?q=B"))["total"] == 1
    counted = flow.ok(flow.api["logistics"].post("/api/v1/stock/adjustments", json={
        "product_id": flow.world.products[0].id, "quantity": "-1", "reason": "破损", "lot": "L-B"}), 201)
    assert counted["lot"]["name"] == "L-B" and lot_on_hand()["L-B"] == 4
    assert ledger.mismatches() == []


@pytest.mark.parametrize("tracking, body, field", [
    ("none", {"quantity": "1", "lot": "L-1"}, "lot"),  # a lot number on an untracked product
    ("lot", {"quantity": "1"}, "lot"),  # a tracked product's receipt without its lot
    ("lot", {"quantity": "1", "lot": "   "}, "lot"),
    ("lot", {"quantity": "1", "lot": "L" * 65}, "lot"),
    ("serial", {"quantity": "2", "lot": "SN-1"}, "quantity"),  # a serial is one unit
])
def test_a_receipt_whose_lot_does_not_suit_its_product_is_refused_naming_the_field(flow, tracking, body, field):
    track(flow, tracking)
    before = moves()
    answer = flow.api["logistics"].post("/api/v1/stock/receipts", json={
        "product_id": flow.world.products[0].id, **body})
    assert 400 <= answer.status_code < 500, answer.get_json()
    problem = answer.get_json()
    assert field in {error["field"] for error in problem.get("errors", [])}, problem
    assert moves() == before


def test_a_serial_number_is_in_stock_once_and_an_adjustment_cannot_take_a_lot_below_nothing(flow, receive):
    track(flow, "serial")
    receive("1", lot="SN-1")
    again = flow.api["logistics"].post("/api/v1/stock/receipts", json={
        "product_id": flow.world.products[0].id, "quantity": "1", "lot": "SN-1"})
    assert again.status_code == 400 and again.get_json()["errors"][0]["field"] == "lot"
    adjust = flow.api["logistics"].post
    unknown = adjust("/api/v1/stock/adjustments", json={
        "product_id": flow.world.products[0].id, "quantity": "-1", "reason": "盘点", "lot": "SN-9"})
    assert unknown.status_code == 400 and unknown.get_json()["errors"][0]["field"] == "lot"
    flow.ok(adjust("/api/v1/stock/adjustments", json={
        "product_id": flow.world.products[0].id, "quantity": "-1", "reason": "盘点", "lot": "SN-1"}), 201)
    below = adjust("/api/v1/stock/adjustments", json={
        "product_id": flow.world.products[0].id, "quantity": "-1", "reason": "盘点", "lot": "SN-1"})
    assert below.status_code == 400 and below.get_json()["errors"][0]["field"] == "quantity"
    assert lot_on_hand() == {"SN-1": Decimal(0)}
    assert ledger.mismatches() == []


def test_hook_line_lots(app, world, flow, receive):
    """A dispatch takes the lots first received first, one issue move per lot; ``line_lots`` says which lots
    each line's goods left in with that shipment, and nothing for a shipment that took none."""
    track(flow, "lot")
    receive("3", lot="L-OLD")
    receive("5", lot="L-NEW")
    order = flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "6"}]))
    row = db.session.get(Order, order["id"])
    line_id = row.lines[0].id
    hooks = hooks_for_order(row)
    hooks.goods_dispatched(order=row, dispatch=GoodsDispatched("S-1", utcnow(), (DispatchedLine(line_id,
                                                                                                Decimal(6)),)))
    commit()
    issued = db.session.execute(select(StockLot.name, StockMove.on_hand).join(StockLot).where(
        StockMove.kind == MoveKind.ISSUE).order_by(StockMove.id)).all()
    assert issued == [("L-OLD", Decimal(-3)), ("L-NEW", Decimal(-3))]
    assert lot_on_hand() == {"L-OLD": Decimal(0), "L-NEW": Decimal(2)}
    assert hooks.line_lots(order=row, shipment_number="S-1") == [
        LineLots(line_id, (LotQuantity("L-OLD", Decimal(3)), LotQuantity("L-NEW", Decimal(3))))]
    assert hooks.line_lots(order=row, shipment_number="S-2") == []
    assert ledger.mismatches() == []


def test_line_lots_has_no_answer_without_stock(app):
    world = factories.build_world(app, "NOLOTS", modules={"review": False})
    flow = Flow(app, world)
    order = db.session.get(Order, flow.submit(flow.create())["id"])
    assert hooks_for_order(order).line_lots(order=order, shipment_number="S-1") is None


def test_the_certificate_of_conformity_lists_the_lots_that_left_and_a_return_puts_the_same_lot_back(
        app, world, flow, receive, stock_of, tmp_path):
    track(flow, "lot")
    receive("2", lot="L-2026-01")
    receive("10", lot="L-2026-02")
    order = flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "4"}]))
    api = flow.api["logistics"]
    shipment = flow.ok(api.post(f"/api/v1/orders/{order['id']}/shipments",
                                json={"carrier": "顺丰速运", "tracking_number": "SF1"}), 201)
    flow.ok(api.post(f"/api/v1/shipments/{shipment['id']}/dispatch"))
    certificate = api.get(f"/api/v1/shipments/{shipment['id']}/documents/certificate")
    assert certificate.status_code == 200
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.data)
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
                                  ).stdout.split())
    assert "L-2026-01(2)" in text and "L-2026-02(2)" in text

    cs = flow.api["customer_service"]
    line_id = order["lines"][0]["id"]
    case = flow.ok(cs.post(f"/api/v1/orders/{order['id']}/cases", json={
        "case_type": "wrong_item", "description": "发错型号", "order_line_id": line_id, "quantity": "3"}), 201)
    flow.ok(cs.post(f"/api/v1/cases/{case['id']}/resolve", json={"resolution": "return"}))
    returned = db.session.execute(select(StockLot.name, StockMove.on_hand).join(StockLot).where(
        StockMove.kind == MoveKind.RETURN).order_by(StockMove.id)).all()
    assert returned == [("L-2026-01", Decimal(2)), ("L-2026-02", Decimal(1))]
    assert lot_on_hand() == {"L-2026-01": Decimal(2), "L-2026-02": Decimal(9)}
    assert stock_of()["on_hand"] == 11
    assert ledger.mismatches() == []


def test_stock_received_before_the_product_was_tracked_leaves_without_a_lot(flow, receive):
    receive("2")
    track(flow, "lot")
    receive("1", lot="L-1")
    order = flow.submit(flow.create(lines=[{"product_id": flow.world.products[0].id, "quantity": "3"}]))
    flow.deliver(order, logistics=True)
    issued = db.session.execute(select(StockMove.lot_id, StockMove.on_hand).where(
        StockMove.kind == MoveKind.ISSUE).order_by(StockMove.id)).all()
    assert [(lot is not None, on_hand) for lot, on_hand in issued] == [(True, Decimal(-1)), (False, Decimal(-2))]
    assert ledger.mismatches() == []


def test_the_lots_list_costs_the_same_statements_for_3_lots_as_for_30(flow, receive):
    track(flow, "lot")
    api = flow.api["sales"]

    def counted() -> int:
        db.session.expire_all()
        with statements(db.engine) as seen:
            flow.ok(api.get("/api/v1/stock/lots"))
        return len(seen)

    for n in range(3):
        receive("1", lot=f"L-{n:02}")
    few = counted()
    for n in range(3, 30):
        receive("1", lot=f"L-{n:02}")
    assert counted() == few
