"""The demo's stock: its products on hand (the ball valves in two lots), a second warehouse, and the gaskets short,
so that the submitted order's production review shows a partly available line."""
from __future__ import annotations


from sqlalchemy import select

from core.extensions import db
from core.models import Company, Order, OrderStatus, User
from plugins.stock import ledger
from plugins.stock.models import StockBalance, StockLotBalance, StockWarehouse
from tests import factories


def test_the_demo_has_stock_lots_and_a_short_item_that_its_review_shows_partly_available(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    company = db.session.execute(select(Company).where(Company.code == "DEMO")).scalar_one()
    on_hand = {row.product.code: row.on_hand for row in db.session.execute(
        select(StockBalance).where(StockBalance.company_id == company.id)).scalars()}
    assert set(on_hand) == {"P001", "P002", "P004", "P006"} and on_hand["P004"] < 50  # the order in review wants 50
    assert {row.lot.name for row in db.session.execute(select(StockLotBalance).where(
        StockLotBalance.company_id == company.id)).scalars()} == {"L2026-11", "L2026-12"}
    assert [row.code for row in db.session.execute(select(StockWarehouse).where(
        StockWarehouse.company_id == company.id).order_by(StockWarehouse.id)).scalars()] == ["MAIN", "WH2"]
    assert ledger.mismatches(company.id) == []
    submitted = db.session.execute(select(Order).where(Order.company_id == company.id,
                                                       Order.status == OrderStatus.SUBMITTED)).scalar_one()
    admin = db.session.execute(select(User).where(User.company_id == company.id,
                                                  User.username == "admin")).scalar_one()
    steps = factories.ApiClient(app, admin).get(f"/api/v1/orders/{submitted.id}/reviews").get_json()
    production = next(step for step in steps if step["department"] == "production")
    assert any("stock_partly_available" in str(finding) for finding in production["findings"]), production
