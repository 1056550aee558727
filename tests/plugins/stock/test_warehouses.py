"""More warehouses than the default: made and renamed through the API and the page, chosen on a receipt or an
adjustment; a code is unique in the company, and another company's warehouse is not there."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from plugins.stock.models import StockBalance, StockWarehouse
from tests import factories
from tests.core.test_queries import statements
from tests.factories import portal_login


def test_a_second_warehouse_is_made_renamed_and_received_into(flow, receive):
    api = flow.api["logistics"]
    receive("1")  # makes the default warehouse
    made = flow.ok(api.post("/api/v1/stock/warehouses", json={"code": "WH2", "name": "二号仓"}), 201)
    assert (made["code"], made["is_default"]) == ("WH2", False)
    renamed = flow.ok(api.patch(f"/api/v1/stock/warehouses/{made['id']}", json={"name": "南区仓库"}))
    assert (renamed["code"], renamed["name"]) == ("WH2", "南区仓库")
    listed = flow.ok(flow.api["sales"].get("/api/v1/stock/warehouses"))
    assert [(row["code"], row["is_default"]) for row in listed] == [("MAIN", True), ("WH2", False)]
    moved = receive("4", warehouse_id=made["id"])
    assert moved["warehouse"]["code"] == "WH2"
    flow.ok(api.post("/api/v1/stock/adjustments", json={
        "product_id": flow.world.products[0].id, "quantity": "-1", "reason": "盘点", "warehouse_id": made["id"]}), 201)
    assert {row.warehouse.code: row.on_hand for row in db.session.execute(select(StockBalance)).scalars()} == {
        "MAIN": Decimal(1), "WH2": Decimal(3)}


def test_the_first_warehouse_a_company_makes_is_its_default(flow):
    made = flow.ok(flow.api["logistics"].post("/api/v1/stock/warehouses", json={"code": "HQ", "name": "总仓"}), 201)
    assert made["is_default"]
    assert flow.ok(flow.api["logistics"].post("/api/v1/stock/receipts", json={
        "product_id": flow.world.products[0].id, "quantity": "1"}), 201)["warehouse"]["code"] == "HQ"


def test_a_code_the_company_has_and_bad_fields_are_refused_naming_the_field(app, flow):
    api = flow.api["logistics"]
    first = flow.ok(api.post("/api/v1/stock/warehouses", json={"code": "WH2", "name": "二号仓"}), 201)
    second = flow.ok(api.post("/api/v1/stock/warehouses", json={"code": "WH3", "name": "三号仓"}), 201)
    for body, field in (({"code": "WH2", "name": "又一个"}, "code"), ({"code": " ", "name": "空"}, "code"),
                        ({"code": "WH4"}, "name"), ({"code": "W" * 33, "name": "长"}, "code")):
        answer = api.post("/api/v1/stock/warehouses", json=body)
        assert 400 <= answer.status_code < 500, answer.get_json()
        assert field in {error["field"] for error in answer.get_json()["errors"]}, answer.get_json()
    taken = api.patch(f"/api/v1/stock/warehouses/{second['id']}", json={"code": "WH2"})
    assert taken.status_code == 400 and taken.get_json()["errors"][0]["field"] == "code"
    # Another company's warehouse: neither renamed nor moved into (a 404 naming the field).
    other = factories.build_world(app, "OTHER", modules={"stock": True})
    theirs = factories.ApiClient(app, other.users["logistics"]).post("/api/v1/stock/warehouses", json={
        "code": "X", "name": "他们的"}).get_json()
    assert api.patch(f"/api/v1/stock/warehouses/{theirs['id']}", json={"name": "我的"}).status_code == 404
    into = api.post("/api/v1/stock/adjustments", json={"product_id": flow.world.products[0].id, "quantity": "1",
                                                       "reason": "盘点", "warehouse_id": theirs["id"]})
    assert into.status_code == 404 and into.get_json()["errors"][0]["field"] == "warehouse_id"
    assert db.session.get(StockWarehouse, first["id"]).code == "WH2"
    assert flow.api["sales"].post("/api/v1/stock/warehouses", json={"code": "S", "name": "销售"}).status_code == 403


def test_the_warehouses_page_makes_and_renames_one_and_the_receipt_form_offers_it(app, world):
    staff = portal_login(app, world.users["logistics"])
    assert staff.post("/stock/warehouses/new", data={"code": "WH2", "name": "二号仓"}).status_code == 302
    assert staff.post("/stock/warehouses/new", data={"code": "WH2", "name": "重复"}).status_code == 302
    made = db.session.execute(select(StockWarehouse)).scalars().all()
    assert [(row.code, row.name) for row in made] == [("WH2", "二号仓")]
    page = staff.get("/stock/warehouses")
    assert page.status_code == 200 and "二号仓".encode() in page.data and b"New warehouse" in page.data
    edit = staff.get(f"/stock/warehouses/{made[0].id}")
    assert edit.status_code == 200 and b'value="WH2"' in edit.data
    assert staff.post(f"/stock/warehouses/{made[0].id}", data={"code": "", "name": "x"}).status_code == 400
    assert staff.post(f"/stock/warehouses/{made[0].id}", data={"code": "SOUTH", "name": "南区"}).status_code == 302
    assert db.session.get(StockWarehouse, made[0].id).code == "SOUTH"
    stock = staff.get("/stock")
    assert b'name="warehouse_id"' in stock.data and b"SOUTH" in stock.data
    assert staff.post("/stock/receipts", data={"product_id": str(world.products[0].id), "quantity": "2",
                                               "warehouse_id": str(made[0].id)}).status_code == 302
    assert db.session.execute(select(StockBalance)).scalar_one().warehouse_id == made[0].id
    sales = portal_login(app, world.users["sales"])
    assert sales.get("/stock/warehouses").status_code == 200
    assert sales.post("/stock/warehouses/new", data={"code": "S", "name": "s"}).status_code == 403


def test_the_warehouses_page_costs_the_same_statements_for_3_warehouses_as_for_30(app, world):
    staff = portal_login(app, world.users["logistics"])

    def counted() -> int:
        db.session.expire_all()
        with statements(db.engine) as seen:
            assert staff.get("/stock/warehouses").status_code == 200
        return len(seen)

    db.session.add_all(StockWarehouse(company_id=world.company.id, code=f"W{n:02}", name=f"仓{n}")
                       for n in range(3))
    db.session.commit()
    few = counted()
    db.session.add_all(StockWarehouse(company_id=world.company.id, code=f"W{n:02}", name=f"仓{n}")
                       for n in range(3, 30))
    db.session.commit()
    assert counted() == few
