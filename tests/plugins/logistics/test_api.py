"""The logistics API: shipping approved orders, dispatch, and the customer's sign-off."""
from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, DeliveryMethod, OrderStatus
from tests import factories
from tests.factories import ApiClient, reload
from tests.plugins.logistics.gate_plugin import PREPAYMENT_REASON
from tests.plugins.logistics.orders import submitted_order


def _ship(app, world, order) -> dict:
    """Logistics prepares and dispatches the order; returns the dispatched shipment."""
    logistics = ApiClient(app, world.users["logistics"])
    created = logistics.post(f"/api/v1/orders/{order.id}/shipments",
                             json={"carrier": "顺丰速运", "tracking_number": "SF1234567890"})
    assert created.status_code == 201, created.get_json()
    dispatched = logistics.post(f"/api/v1/shipments/{created.get_json()['id']}/dispatch")
    assert dispatched.status_code == 200, dispatched.get_json()
    return dispatched.get_json()


def _count(action: str, order) -> int:
    return db.session.execute(
        select(func.count(AuditEntry.id)).where(AuditEntry.order_id == order.id, AuditEntry.action == action)
    ).scalar_one()


def test_logistics_ships_an_approved_order_and_the_customer_signs_for_it(app, world):
    order = submitted_order(world)
    assert order.status == OrderStatus.APPROVED
    logistics = ApiClient(app, world.users["logistics"])

    created = logistics.post(f"/api/v1/orders/{order.id}/shipments",
                             json={"carrier": "顺丰速运", "tracking_number": "SF1234567890"})
    assert created.status_code == 201
    shipment = created.get_json()
    assert shipment["number"] == f"{order.number}-S1"
    assert shipment["status"] == "prepared"
    assert shipment["delivery_method"] == "express"
    assert shipment["order_status"] == "approved"

    dispatched = logistics.post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    assert dispatched.status_code == 200
    assert dispatched.get_json()["status"] == "dispatched"
    assert dispatched.get_json()["order_status"] == "shipped"

    customer = ApiClient(app, world.users["customer"])
    accepted = customer.post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                             json={"signed_by": "王建国", "reservations": "外箱一角压损,货物完好", "rating": 4})
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["status"] == "accepted"
    assert (body["signed_by"], body["rating"]) == ("王建国", 4)
    assert body["reservations"] == "外箱一角压损,货物完好"
    # Billing is not installed, so the core completes the order once it is signed for.
    assert body["order_status"] == "completed"

    order = reload(order)
    assert order.status == OrderStatus.COMPLETED
    assert order.delivered_at is not None
    assert _count("deliver", order) == 1
    assert _count("ship", order) == 1
    deliver = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id, AuditEntry.action == "deliver")
    ).scalar_one()
    assert deliver.after["signed_by"] == "王建国"
    assert deliver.after["reservations"] == "外箱一角压损,货物完好"

    listed = logistics.get(f"/api/v1/orders/{order.id}/shipments").get_json()
    assert [(s["number"], s["status"], s["carrier"]) for s in listed] == [
        (f"{order.number}-S1", "accepted", "顺丰速运")]


def test_a_shipment_cannot_be_made_for_an_order_still_in_review(reviewing_app):
    world = factories.build_world(reviewing_app)
    order = submitted_order(world)
    assert order.status == OrderStatus.SUBMITTED

    response = ApiClient(reviewing_app, world.users["logistics"]).post(f"/api/v1/orders/{order.id}/shipments")

    assert response.status_code == 409
    assert order.number in response.get_json()["detail"]
    assert ApiClient(reviewing_app, world.users["logistics"]).get(
        f"/api/v1/orders/{order.id}/shipments").get_json() == []


def test_a_draft_cannot_be_shipped_either(app, world):
    draft = submitted_order(world, submit=False)
    response = ApiClient(app, world.users["logistics"]).post(f"/api/v1/orders/{draft.id}/shipments", json={})
    assert response.status_code == 409


def test_an_execution_gate_blocks_the_shipment(gated_app):
    world = factories.build_world(gated_app)
    order = submitted_order(world)
    assert order.status == OrderStatus.APPROVED
    logistics = ApiClient(gated_app, world.users["logistics"])

    response = logistics.post(f"/api/v1/orders/{order.id}/shipments", json={"carrier": "德邦物流"})

    assert response.status_code == 409
    detail = response.get_json()["detail"]
    assert PREPAYMENT_REASON in detail
    assert "within the credit limit" not in detail  # an open gate does not hold the order
    assert logistics.get(f"/api/v1/orders/{order.id}/shipments").get_json() == []
    assert reload(order).status == OrderStatus.APPROVED
    # Nothing to ship shows in the inbox while the order is held.
    tasks = logistics.get("/api/v1/tasks").get_json()["items"]
    assert not [t for t in tasks if t["kind"] == "logistics.ship"]


def test_a_customer_signs_for_their_own_order_and_cannot_touch_another_customers_shipment(app, world):
    own = submitted_order(world, customer=0)
    other = submitted_order(world, customer=1)
    own_shipment = _ship(app, world, own)
    other_shipment = _ship(app, world, other)
    customer = ApiClient(app, world.users["customer"])

    refused = customer.post(f"/api/v1/shipments/{other_shipment['id']}/acceptance", json={"signed_by": "李四"})
    assert refused.status_code == 404
    assert customer.get(f"/api/v1/orders/{other.id}/shipments").status_code == 404

    signed = customer.post(f"/api/v1/shipments/{own_shipment['id']}/acceptance",
                           json={"signed_by": "王建国", "rating": 5})
    assert signed.status_code == 200
    assert signed.get_json()["order_status"] == "completed"
    assert [s["status"] for s in customer.get(f"/api/v1/orders/{own.id}/shipments").get_json()] == ["accepted"]

    assert reload(other).status == OrderStatus.SHIPPED
    other_listed = ApiClient(app, world.users["logistics"]).get(f"/api/v1/orders/{other.id}/shipments")
    assert other_listed.get_json()[0]["status"] == "dispatched"


def test_a_rating_outside_one_to_five_is_refused_naming_rating(app, world):
    order = submitted_order(world)
    shipment = _ship(app, world, order)
    customer = ApiClient(app, world.users["customer"])

    for rating in (0, 6, "five", 4.5):
        response = customer.post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                 json={"signed_by": "王建国", "rating": rating})
        assert response.status_code == 400, rating
        assert response.headers["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in response.get_json()["errors"]] == ["rating"]

    assert reload(order).status == OrderStatus.SHIPPED


def test_the_sign_off_needs_the_name_of_who_signed(app, world):
    order = submitted_order(world)
    shipment = _ship(app, world, order)
    customer = ApiClient(app, world.users["customer"])

    missing = customer.post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={"rating": 3})
    blank = customer.post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={"signed_by": "   "})
    too_long = customer.post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={"signed_by": "王" * 121})

    for response in (missing, blank, too_long):
        assert response.status_code == 400
        assert [e["field"] for e in response.get_json()["errors"]] == ["signed_by"]
    assert reload(order).status == OrderStatus.SHIPPED


def test_pickup_orders_are_accepted_without_dispatch(app, world):
    order = submitted_order(world, delivery_method=DeliveryMethod.PICKUP)
    logistics = ApiClient(app, world.users["logistics"])
    shipment = logistics.post(f"/api/v1/orders/{order.id}/shipments", json={}).get_json()
    assert (shipment["status"], shipment["delivery_method"]) == ("prepared", "pickup")

    accepted = ApiClient(app, world.users["customer_service"]).post(
        f"/api/v1/shipments/{shipment['id']}/acceptance", json={"signed_by": "张师傅 (客户自提)"})

    assert accepted.status_code == 200
    assert accepted.get_json()["status"] == "accepted"
    assert accepted.get_json()["dispatched_at"] is None
    assert accepted.get_json()["order_status"] == "completed"
    assert _count("ship", order) == 0
    assert _count("deliver", order) == 1


def test_goods_sent_by_carrier_are_signed_for_only_after_dispatch(app, world):
    order = submitted_order(world, delivery_method=DeliveryMethod.FREIGHT)
    shipment = ApiClient(app, world.users["logistics"]).post(f"/api/v1/orders/{order.id}/shipments").get_json()

    early = ApiClient(app, world.users["customer"]).post(
        f"/api/v1/shipments/{shipment['id']}/acceptance", json={"signed_by": "王建国"})

    assert early.status_code == 409
    assert shipment["number"] in early.get_json()["detail"]
    assert reload(order).status == OrderStatus.APPROVED


def test_an_order_has_one_shipment_under_way_and_each_step_happens_once(app, world):
    order = submitted_order(world)
    logistics = ApiClient(app, world.users["logistics"])
    first = logistics.post(f"/api/v1/orders/{order.id}/shipments").get_json()

    assert logistics.post(f"/api/v1/orders/{order.id}/shipments").status_code == 409
    assert logistics.post(f"/api/v1/shipments/{first['id']}/dispatch").status_code == 200
    assert logistics.post(f"/api/v1/shipments/{first['id']}/dispatch").status_code == 409
    customer = ApiClient(app, world.users["customer"])
    assert customer.post(f"/api/v1/shipments/{first['id']}/acceptance",
                         json={"signed_by": "王建国"}).status_code == 200
    again = customer.post(f"/api/v1/shipments/{first['id']}/acceptance", json={"signed_by": "王建国"})
    assert again.status_code == 409
    assert _count("deliver", order) == 1


def test_only_logistics_prepares_and_dispatches_shipments(app, world):
    order = submitted_order(world)
    for role in ("sales", "production", "customer_service", "customer"):
        response = ApiClient(app, world.users[role]).post(f"/api/v1/orders/{order.id}/shipments", json={})
        assert response.status_code == 403, role
    shipment = ApiClient(app, world.users["logistics"]).post(f"/api/v1/orders/{order.id}/shipments").get_json()
    assert ApiClient(app, world.users["customer"]).post(
        f"/api/v1/shipments/{shipment['id']}/dispatch").status_code == 403
    # Production may look, without acting.
    seen = ApiClient(app, world.users["production"]).get(f"/api/v1/orders/{order.id}/shipments")
    assert [s["number"] for s in seen.get_json()] == [shipment["number"]]
    assert ApiClient(app, world.users["finance"]).get(f"/api/v1/orders/{order.id}/shipments").status_code == 403


def test_another_companys_shipments_do_not_exist_for_the_caller(app, world):
    order = submitted_order(world)
    shipment = _ship(app, world, order)
    rival = factories.build_world(app, code="XYZ")

    outsider = ApiClient(app, rival.users["logistics"])
    assert outsider.post(f"/api/v1/shipments/{shipment['id']}/dispatch").status_code == 404
    assert outsider.post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                         json={"signed_by": "X"}).status_code == 404
    assert outsider.get(f"/api/v1/orders/{order.id}/shipments").status_code == 404
    assert outsider.post(f"/api/v1/orders/{order.id}/shipments").status_code == 404
    assert reload(order).status == OrderStatus.SHIPPED


def test_carrier_and_tracking_number_are_checked(app, world):
    order = submitted_order(world)
    logistics = ApiClient(app, world.users["logistics"])

    too_long = logistics.post(f"/api/v1/orders/{order.id}/shipments", json={"tracking_number": "9" * 65})
    unknown = logistics.post(f"/api/v1/orders/{order.id}/shipments", json={"courier": "EMS"})

    assert too_long.status_code == 400
    assert [e["field"] for e in too_long.get_json()["errors"]] == ["tracking_number"]
    assert unknown.status_code == 400
    assert [e["field"] for e in unknown.get_json()["errors"]] == ["courier"]

    created = logistics.post(f"/api/v1/orders/{order.id}/shipments", json={"carrier": "  中通快递  "})
    shipment = created.get_json()
    assert shipment["carrier"] == "中通快递"
    # The tracking number may arrive only when the goods leave.
    dispatched = logistics.post(f"/api/v1/shipments/{shipment['id']}/dispatch",
                                json={"tracking_number": "ZT7788"}).get_json()
    assert (dispatched["carrier"], dispatched["tracking_number"]) == ("中通快递", "ZT7788")
