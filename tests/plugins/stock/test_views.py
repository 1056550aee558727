"""The stock pages: the balances as a list view (search, filter, export) with the receipt and adjustment forms,
the moves; the same statements for 3 products as for 30."""
from __future__ import annotations

from decimal import Decimal

from core.extensions import db
from plugins.stock.models import StockBalance
from tests import factories
from tests.core.test_queries import statements
from tests.factories import portal_login


def test_a_receipt_and_an_adjustment_from_the_page_show_in_the_list_and_the_moves(app, world):
    staff = portal_login(app, world.users["logistics"])
    product = world.products[0]
    answer = staff.post("/stock/receipts", data={"product_id": str(product.id), "quantity": "8", "reference": "DN-7"})
    assert answer.status_code == 302
    staff.post("/stock/adjustments", data={"product_id": str(product.id), "quantity": "-1", "reason": "破损"})
    balance = db.session.query(StockBalance).one()
    assert (balance.on_hand, balance.reserved) == (Decimal(7), Decimal(0))
    page = staff.get(f"/stock?q={product.code}")
    assert page.status_code == 200 and product.code.encode() in page.data
    assert b"Receive goods" in page.data
    moves = staff.get("/stock/moves?kind=adjustment")
    assert moves.status_code == 200 and "破损".encode() in moves.data and b"DN-7" not in moves.data
    export = staff.get("/stock?format=csv")
    assert export.status_code == 200 and product.code in export.get_data(as_text=True)


def test_an_adjustment_without_a_reason_changes_nothing(app, world):
    staff = portal_login(app, world.users["logistics"])
    staff.post("/stock/receipts", data={"product_id": str(world.products[0].id), "quantity": "2"})
    staff.post("/stock/adjustments", data={"product_id": str(world.products[0].id), "quantity": "-1", "reason": ""})
    assert db.session.query(StockBalance).one().on_hand == Decimal(2)


def test_the_sales_clerk_reads_stock_without_the_forms(app, world):
    sales = portal_login(app, world.users["sales"])
    page = sales.get("/stock")
    assert page.status_code == 200 and b"Receive goods" not in page.data
    assert sales.post("/stock/receipts", data={"product_id": str(world.products[0].id),
                                               "quantity": "2"}).status_code == 403


def test_the_stock_list_costs_the_same_statements_for_3_products_as_for_30(app, world):
    staff = portal_login(app, world.users["logistics"])
    products = list(world.products) + [factories.product(world.company, f"S{n:03}") for n in range(28)]

    def counted() -> int:
        db.session.expire_all()
        with statements(db.engine) as seen:
            assert staff.get("/stock").status_code == 200
        return len(seen)

    for product in products[:3]:
        staff.post("/stock/receipts", data={"product_id": str(product.id), "quantity": "1"})
    few = counted()
    for product in products[3:]:
        staff.post("/stock/receipts", data={"product_id": str(product.id), "quantity": "1"})
    assert counted() == few


def test_the_lot_field_is_offered_for_tracked_products_and_the_lots_show_in_the_moves_and_the_lots(app, world):
    staff = portal_login(app, world.users["logistics"])
    tracked, plain = world.products[0], world.products[1]
    assert staff.post("/stock/tracking", data={"product_id": str(tracked.id), "tracking": "lot"}).status_code == 302
    page = staff.get("/stock")
    assert f'data-shown-for="product_id" data-values="{tracked.id}"'.encode() in page.data
    assert b"Lot or serial number" in page.data
    staff.post("/stock/receipts", data={"product_id": str(tracked.id), "quantity": "3", "lot": "L-9"})
    staff.post("/stock/receipts", data={"product_id": str(plain.id), "quantity": "3", "lot": "L-9"})  # refused
    staff.post("/stock/receipts", data={"product_id": str(tracked.id), "quantity": "3"})  # refused: no lot
    assert [(b.product_id, b.on_hand) for b in db.session.query(StockBalance)] == [(tracked.id, Decimal(3))]
    moves = staff.get("/stock/moves?q=L-9")
    assert moves.status_code == 200 and b"L-9" in moves.data
    lots = staff.get("/stock/lots")
    assert lots.status_code == 200 and b"L-9" in lots.data and tracked.code.encode() in lots.data
    assert "L-9" in staff.get("/stock/lots?format=csv").get_data(as_text=True)


def test_the_lots_page_costs_the_same_statements_for_3_lots_as_for_30(app, world):
    staff = portal_login(app, world.users["logistics"])
    product = world.products[0]
    staff.post("/stock/tracking", data={"product_id": str(product.id), "tracking": "lot"})

    def counted() -> int:
        db.session.expire_all()
        with statements(db.engine) as seen:
            assert staff.get("/stock/lots").status_code == 200
        return len(seen)

    for n in range(3):
        staff.post("/stock/receipts", data={"product_id": str(product.id), "quantity": "1", "lot": f"L-{n:02}"})
    few = counted()
    for n in range(3, 30):
        staff.post("/stock/receipts", data={"product_id": str(product.id), "quantity": "1", "lot": f"L-{n:02}"})
    assert counted() == few
