"""Switching review off for one company: its new orders skip review, nobody else's do,
and its orders already in review still finish their review."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from tests import factories
from tests.flows import Flow


def test_disabling_review_for_a_affects_only_a_and_only_new_orders(app):
    a = factories.build_world(app, "A")
    b = factories.build_world(app, "B")
    flow_a, flow_b = Flow(app, a), Flow(app, b)
    in_flight = flow_a.submit(flow_a.create())
    assert in_flight["status"] == "submitted"

    switched = flow_a.api["administrator"].put("/api/v1/modules/review", json={"enabled": False})
    assert switched.status_code == 200 and switched.get_json()["enabled"] is False

    new_a = flow_a.submit(flow_a.create())
    assert new_a["status"] == "approved"
    assert "review" not in new_a["pinned_modules"]
    note = db.session.execute(select(AuditEntry.note).where(
        AuditEntry.order_id == new_a["id"], AuditEntry.action == "review_decided")).scalar_one()
    assert note == "review_not_enabled"

    new_b = flow_b.submit(flow_b.create())
    assert new_b["status"] == "submitted"

    # A's order that started with review keeps it: its steps are still decided one by one.
    assert flow_a.open_steps(in_flight), "the in-flight order lost its review"
    # The administrator's inbox: the clerk who entered the order is not offered its sales step.
    tasks = flow_a.api["administrator"].get("/api/v1/tasks").get_json()["items"]
    assert any(in_flight["number"] in (task["order_number"] or "") for task in tasks)
    flow_a.approve_review(in_flight)
    assert flow_a.get(in_flight)["status"] == "approved"
    count = db.session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.order_id == in_flight["id"], AuditEntry.action == "review_decided")).scalar_one()
    assert count == 1


def test_switching_a_module_back_on_keeps_its_data(app):
    a = factories.build_world(app, "A")
    flow = Flow(app, a)
    order = flow.submit(flow.create())
    flow.approve_review(order)
    admin = flow.api["administrator"]
    admin.put("/api/v1/modules/review", json={"enabled": False})
    admin.put("/api/v1/modules/review", json={"enabled": True})
    steps = admin.get(f"/api/v1/orders/{order['id']}/reviews").get_json()
    assert {step["department"] for step in steps} >= {"sales", "finance", "production"}
    assert all(step["status"] == "approved" for step in steps)


def test_module_api_needs_the_permission_and_names_unknown_modules(app, world):
    sales = factories.ApiClient(app, world.users["sales"])
    assert sales.put("/api/v1/modules/review", json={"enabled": False}).status_code == 403
    admin = factories.ApiClient(app, world.users["administrator"])
    unknown = admin.put("/api/v1/modules/shipping", json={"enabled": True})
    assert unknown.status_code == 404 and "shipping" in unknown.get_json()["detail"]
    required = admin.put("/api/v1/modules/intake", json={"enabled": False})
    assert required.status_code == 400 and required.get_json()["errors"][0]["field"] == "name"
    modules = {m["name"]: m for m in admin.get("/api/v1/modules").get_json()}
    assert modules["intake"]["required"] and modules["review"]["active"]


def test_switching_stock_on_for_a_reserves_for_a_new_orders_only(app):
    """Stock is a module like the stages: on for A, its new orders are pinned to it and reserve; B's are not."""
    a = factories.build_world(app, "A", modules={"review": False})
    b = factories.build_world(app, "B", modules={"review": False})
    flow_a, flow_b = Flow(app, a), Flow(app, b)
    before = flow_a.submit(flow_a.create())
    switched = flow_a.api["administrator"].put("/api/v1/modules/stock", json={"enabled": True})
    assert switched.status_code == 200 and switched.get_json()["enabled"] is True
    flow_a.ok(flow_a.api["logistics"].post("/api/v1/stock/receipts", json={
        "product_id": a.products[0].id, "quantity": "25"}), 201)
    after = flow_a.submit(flow_a.create())
    other = flow_b.submit(flow_b.create())
    assert ["stock" in order["pinned_modules"] for order in (before, after, other)] == [False, True, False]
    stock = flow_a.ok(flow_a.api["sales"].get(f"/api/v1/products/{a.products[0].id}/availability"))
    assert (stock["reserved"], stock["available"]) == ("10.000", "15.000")
    assert flow_b.api["administrator"].get("/api/v1/stock").status_code == 404
