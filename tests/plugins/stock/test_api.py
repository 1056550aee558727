"""Receipts, adjustments and what the API reads of stock; bad input is a 4xx naming the field, changing nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from plugins.stock.models import StockMove
from tests import factories


def moves() -> int:
    return db.session.execute(select(func.count()).select_from(StockMove)).scalar_one()


def test_a_receipt_and_an_adjustment_move_on_hand_and_are_listed_in_the_ledger(flow, receive, stock_of):
    received = receive("12.5", reference="DN-1")
    assert received["kind"] == "receipt" and Decimal(received["on_hand"]) == Decimal("12.5")
    assert received["warehouse"]["code"] == "MAIN"
    adjusted = flow.ok(flow.api["logistics"].post("/api/v1/stock/adjustments", json={
        "product_id": flow.world.products[0].id, "quantity": "-2.5", "reason": "counted"}), 201)
    assert adjusted["reason"] == "counted"
    assert stock_of() == {"on_hand": Decimal(10), "reserved": 0, "available": Decimal(10), "quarantine": 0}
    listed = flow.ok(flow.api["sales"].get("/api/v1/stock"))
    assert listed["total"] == 1 and Decimal(listed["items"][0]["available"]) == 10
    ledger = flow.ok(flow.api["sales"].get("/api/v1/stock/moves"))
    assert [move["kind"] for move in ledger["items"]] == ["adjustment", "receipt"]
    assert flow.ok(flow.api["sales"].get("/api/v1/stock/moves?kind=receipt"))["total"] == 1


def test_the_stock_list_searches_and_filters(flow, receive):
    receive("5")
    receive("0.001", product=flow.world.products[1])
    api = flow.api["sales"]
    code = flow.world.products[1].code
    assert [row["product"]["code"] for row in flow.ok(api.get(f"/api/v1/stock?q={code}"))["items"]] == [code]
    flow.ok(flow.api["logistics"].post("/api/v1/stock/adjustments", json={
        "product_id": flow.world.products[1].id, "quantity": "-0.001", "reason": "broken"}), 201)
    assert [row["product"]["code"] for row in flow.ok(api.get("/api/v1/stock?short=true"))["items"]] == [code]


@pytest.mark.parametrize("path, body, field", [
    ("receipts", {"quantity": "-1"}, "quantity"),
    ("receipts", {"quantity": "0"}, "quantity"),
    ("receipts", {"quantity": "1.0001"}, "quantity"),
    ("adjustments", {"quantity": "-1"}, "reason"),
    ("adjustments", {"quantity": "-1", "reason": "   "}, "reason"),
    ("adjustments", {"quantity": "0", "reason": "counted"}, "quantity"),
    ("adjustments", {"quantity": "-11", "reason": "counted"}, "quantity"),
])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(flow, receive, path, body, field):
    receive("10")
    before = moves()
    answer = flow.api["logistics"].post(f"/api/v1/stock/{path}", json={
        "product_id": flow.world.products[0].id, **body})
    assert 400 <= answer.status_code < 500, answer.get_json()
    problem = answer.get_json()
    assert field in {error["field"] for error in problem.get("errors", [])} or problem.get("field") == field, problem
    assert moves() == before


def test_another_companys_warehouse_or_product_is_a_404_naming_the_field(app, flow, receive):
    other = factories.build_world(app, "OTHER", modules={"stock": True})
    theirs = factories.ApiClient(app, other.users["logistics"]).post("/api/v1/stock/receipts", json={
        "product_id": other.products[0].id, "quantity": "1"}).get_json()
    before = moves()
    into_theirs = flow.api["logistics"].post("/api/v1/stock/receipts", json={
        "product_id": flow.world.products[0].id, "quantity": "1", "warehouse_id": theirs["warehouse"]["id"]})
    assert into_theirs.status_code == 404
    assert into_theirs.get_json()["errors"][0]["field"] == "warehouse_id"
    their_product = flow.api["logistics"].post("/api/v1/stock/receipts", json={
        "product_id": other.products[0].id, "quantity": "1"})
    assert their_product.status_code == 404 and their_product.get_json()["errors"][0]["field"] == "product_id"
    assert moves() == before
    assert flow.api["sales"].get(f"/api/v1/products/{other.products[0].id}/availability").status_code == 404


def test_moving_stock_needs_the_permission_and_reading_it_the_other(flow):
    answer = flow.api["sales"].post("/api/v1/stock/receipts", json={
        "product_id": flow.world.products[0].id, "quantity": "1"})
    assert answer.status_code == 403
    assert flow.api["finance"].get("/api/v1/stock").status_code == 403


def test_the_api_answers_404_where_stock_is_switched_off(app):
    world = factories.build_world(app, "OFF")
    client = factories.ApiClient(app, world.users["administrator"])
    assert client.get("/api/v1/stock").status_code == 404


def test_every_stock_operation_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/stock", "/api/v1/stock/moves", "/api/v1/stock/receipts", "/api/v1/stock/adjustments",
                 "/api/v1/products/{product_id}/availability", "/api/v1/stock/lots", "/api/v1/stock/warehouses",
                 "/api/v1/stock/warehouses/{warehouse_id}", "/api/v1/stock/products/{product_id}/tracking"):
        assert path in paths, path
    receipt = paths["/api/v1/stock/receipts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert receipt["$ref"].endswith("ReceiptRequest")
