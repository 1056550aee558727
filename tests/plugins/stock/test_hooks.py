"""Stock's answers to the hooks the stages call: availability at entry, the review's production rule, the
execution plan of a line in stock, and the dispatch and return events logistics fires."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.contracts import DispatchedLine, GoodsDispatched, GoodsReturned, Severity
from core.db import commit
from core.extensions import db
from core.models import Company, Order, utcnow
from core.modules import hooks_for_company, hooks_for_order
from plugins.stock import ledger
from plugins.stock.models import MoveKind, StockMove
from tests import factories
from tests.core.test_queries import statements
from tests.factories import portal_login
from tests.flows import Flow


def quote_rows(product_ids: list[int]) -> dict[str, str]:
    data: dict[str, str] = {}
    for index, product_id in enumerate(product_ids):
        data.update({f"lines-{index}-product_id": str(product_id), f"lines-{index}-quantity": "1",
                     f"lines-{index}-unit_price": ""})
    return data


def test_hook_stock_available(app, world, flow, receive):
    """The line table shows each line's available quantity, asked once for all the lines: the statements
    are the same for 3 lines and for 50."""
    receive("12")
    flow.approve_review(flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "5"}])))
    company = db.session.get(Company, world.company.id)
    answer = hooks_for_company(world.company.id).stock_available(
        company=company, product_ids=[p.id for p in world.products])
    assert answer.by_product == {world.products[0].id: Decimal(7), world.products[1].id: Decimal(0)}

    sales = portal_login(app, world.users["sales"])
    quoted = sales.post("/orders/quote", data=quote_rows([world.products[0].id, world.products[1].id]))
    assert quoted.get_json()["available"] == {"lines-0": "7", "lines-1": "0"}
    products = [world.products[0], world.products[1]] + [
        factories.product(world.company, f"S{n:03}", list_price=Decimal("10.00"), floor_price=Decimal("1.00"))
        for n in range(48)]

    def counted(count: int) -> int:
        """The statements of the answer the line table asks for ``count`` lines (the quote itself reads each
        picked product: that is the core's, with or without stock)."""
        ids = [product.id for product in products[:count]]
        db.session.expire_all()
        company = db.session.get(Company, world.company.id)
        hooks = hooks_for_company(world.company.id)
        with statements(db.engine) as seen:
            answer = hooks.stock_available(company=company, product_ids=ids)
        assert len(answer.by_product) == count
        return len(seen)

    assert counted(3) == counted(50) == 1
    fifty = sales.post("/orders/quote", data=quote_rows([product.id for product in products]))
    assert len(fifty.get_json()["available"]) == 50
    page = sales.post("/orders/new", data={"lines-0-product_id": str(world.products[0].id),
                                           "lines-0-quantity": "1"})
    assert b"data-available" in page.data


def test_the_line_table_shows_no_availability_where_stock_is_off(app):
    world = factories.build_world(app, "OFF")
    sales = portal_login(app, world.users["sales"])
    quoted = sales.post("/orders/quote", data=quote_rows([world.products[0].id]))
    assert quoted.status_code == 200 and "available" not in quoted.get_json()
    company = db.session.get(Company, world.company.id)
    assert hooks_for_company(world.company.id).stock_available(company=company, product_ids=[1]) is None


def test_the_production_step_reads_available_partly_available_or_not(app, world, flow, receive):
    """The review's production rule, from stock: line 1 in stock, line 2 partly (how many, the rest by when)."""
    receive("10")
    order = flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "4"},
                                           {"product_id": world.products[0].id, "quantity": "9"},
                                           {"product_id": world.products[1].id, "quantity": "2"}]))
    findings = [f for f in hooks_for_order(db.session.get(Order, order["id"])).review_rules(
        order=db.session.get(Order, order["id"]), change=None) for f in f if f.rule == "stock_availability"]
    by_code = {finding.reason_codes[0]: finding for finding in findings}
    assert set(by_code) == {"stock_partly_available", "stock_not_available"}
    assert all(f.department == "production" and f.severity == Severity.WARNING for f in findings)
    soon = world.company.today().isoformat()  # lead time 0: today, a working day of the default calendar or later
    assert by_code["stock_partly_available"].params["lines"].startswith(f"#2 {world.products[0].code} 6/9 → ")
    assert by_code["stock_not_available"].params["lines"].startswith(f"#3 {world.products[1].code} 0/2 → ")
    assert by_code["stock_partly_available"].params["lines"][-10:] >= soon
    steps = flow.ok(flow.api["administrator"].get(f"/api/v1/orders/{order['id']}/reviews"))
    production = next(step for step in steps if step["department"] == "production")
    assert any("6/9" in str(finding) for finding in production["findings"])


def test_hook_line_stock(app, world, flow, receive):
    """A line fully reserved gets "pick and pack" tasks in the execution plan, the others their production
    tasks; without stock every line is produced."""
    flow.plan_execution()
    receive("5")
    order = flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "5"},
                                           {"product_id": world.products[1].id, "quantity": "3"}]))
    flow.approve_review(order)
    lines = hooks_for_order(db.session.get(Order, order["id"])).line_stock(order=db.session.get(Order, order["id"]))
    assert [(line.reserved, line.in_stock) for line in lines] == [(Decimal(5), True), (Decimal(0), False)]
    plan = flow.ok(flow.api["production"].get(f"/api/v1/orders/{order['id']}/execution"))
    by_lines = {}
    for task in plan["tasks"]:
        by_lines.setdefault(tuple(task["line_nos"]), []).append(task["kind"])
    assert by_lines == {(1,): ["preparation", "packing"], (2,): ["preparation", "production", "packing"]}
    picked = [task["name"] for task in plan["tasks"] if task["line_nos"] == [1]]
    assert picked == ["Pick from stock", "Pack"]


def test_an_order_all_in_stock_ships_without_production(app, world, flow, receive):
    flow.plan_execution()
    receive("10")
    order = flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "10"}]))
    flow.approve_review(order)
    flow.execute(order)
    assert flow.get(order)["status"] == "approved"  # nothing was produced
    flow.deliver(order, logistics=True)
    assert flow.get(order)["status"] == "delivered"


def test_hook_goods_dispatched(app, world, flow, receive):
    """Per line, what was reserved leaves stock, up to the quantity shipped; a second shipment issues the rest."""
    receive("10")
    order = flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "6"}]))
    flow.approve_review(order)
    row = db.session.get(Order, order["id"])
    line_id = row.lines[0].id
    hooks_for_order(row).goods_dispatched(order=row, dispatch=GoodsDispatched(
        "S-1", utcnow(), (DispatchedLine(line_id, Decimal(4)),)))
    commit()
    assert ledger.per_line(ledger.reserved_per_line(row.id)) == {line_id: Decimal(2)}
    hooks_for_order(row).goods_dispatched(order=row, dispatch=GoodsDispatched(
        "S-2", utcnow(), (DispatchedLine(line_id, Decimal(2)),)))
    commit()
    issued = db.session.execute(select(StockMove.reference, StockMove.on_hand).where(
        StockMove.kind == MoveKind.ISSUE).order_by(StockMove.id)).all()
    assert issued == [("S-1", Decimal(-4)), ("S-2", Decimal(-2))]
    assert ledger.per_line(ledger.reserved_per_line(row.id)) == {}
    assert ledger.mismatches() == []


def test_hook_goods_returned(app, world, flow, receive):
    """Sound goods come back on hand; goods that failed their check into quarantine."""
    receive("3")
    order = flow.submit(flow.create(lines=[{"product_id": world.products[0].id, "quantity": "3"}]))
    flow.approve_review(order)
    row = db.session.get(Order, order["id"])
    hooks = hooks_for_order(row)
    hooks.goods_returned(order=row, returned=GoodsReturned("C-1", row.lines[0].id, Decimal(1), utcnow()))
    hooks.goods_returned(order=row, returned=GoodsReturned("C-2", row.lines[0].id, Decimal(2), utcnow(),
                                                           sound=False))
    commit()
    returned = db.session.execute(select(StockMove.reference, StockMove.on_hand, StockMove.quarantine).where(
        StockMove.kind == MoveKind.RETURN).order_by(StockMove.id)).all()
    assert returned == [("C-1", Decimal(1), Decimal(0)), ("C-2", Decimal(0), Decimal(2))]
    assert ledger.mismatches() == []


def test_a_company_without_stock_plans_production_for_every_line(app):
    world = factories.build_world(app, "NOSTOCK")
    flow = Flow(app, world)
    flow.plan_execution()
    order = flow.submit(flow.create())
    flow.approve_review(order)
    plan = flow.ok(flow.api["production"].get(f"/api/v1/orders/{order['id']}/execution"))
    assert "production" in [task["kind"] for task in plan["tasks"]]
