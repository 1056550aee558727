"""The shipments' portal pages (procedure 七): logistics prepares a shipment by line in one delivery mode,
checks each line before dispatch and dispatches it, seeing what the company's check mode will do; an order's
own choice on partial delivery; every refused form comes back with its error beside the field, the input kept."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, DeliveryMethod, OrderStatus
from plugins.logistics.shipments import services
from plugins.logistics.shipments.models import Shipment, ShipmentStatus, Tracking
from tests.factories import ApiClient, portal_login, reload
from tests.plugins.logistics.execution import statements
from tests.plugins.logistics.orders import submitted_order
from tests.plugins.logistics.test_acceptance_api import _order_of


def _settings(app, world, **data) -> None:
    response = ApiClient(app, world.users["administrator"]).put("/api/v1/logistics/settings", json=data)
    assert response.status_code == 200, response.get_json()


def _shipments(order) -> list[Shipment]:
    db.session.expire_all()
    return list(db.session.execute(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id))
                .scalars())


def _line_ids(order) -> tuple[int, int]:
    valve, seal = sorted(reload(order).lines, key=lambda line: line.line_no)
    return valve.id, seal.id


def _cell(page: str, name: str) -> str:
    """The table cell (or field box) that holds the input called ``name``: its error stands there."""
    start = page.index(f'name="{name}"')
    return page[page.rindex("<td", 0, start):page.index("</td>", start)]


def _prepared(app, world, order, lines=None) -> dict:
    body = {"lines": lines} if lines else {}
    response = ApiClient(app, world.users["logistics"]).post(f"/api/v1/orders/{order.id}/shipments", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_each_delivery_mode_asks_only_for_its_own_fields(app, world):
    order = submitted_order(world)
    clerk = portal_login(app, world.users["logistics"])
    express = clerk.get(f"/orders/{order.id}/shipments/new").get_data(as_text=True)
    freight = clerk.get(f"/orders/{order.id}/shipments/new?mode=freight").get_data(as_text=True)
    pickup = clerk.get(f"/orders/{order.id}/shipments/new?mode=pickup").get_data(as_text=True)

    fields = ("carrier", "tracking_number", "vehicle", "driver_name", "driver_phone", "waybill_number")

    def asked(page: str) -> set[str]:
        return {name for name in fields if f'name="{name}"' in page}

    assert asked(express) == {"carrier", "tracking_number"}
    assert asked(freight) == {"carrier", "vehicle", "driver_name", "driver_phone", "waybill_number"}
    assert asked(pickup) == set()
    assert 'name="delivery_method" type="hidden" value="freight"' in freight


def test_two_partial_shipments_are_prepared_line_by_line_and_the_page_shows_what_remains(app, world):
    order = submitted_order(world)
    valve, seal = _line_ids(order)
    clerk = portal_login(app, world.users["logistics"])
    page = clerk.get(f"/orders/{order.id}/shipments/new").get_data(as_text=True)
    assert 'name="lines-0-quantity"' in page and 'value="10"' in page and 'value="200"' in page  # all that remains

    first = clerk.post(f"/orders/{order.id}/shipments", data={
        "delivery_method": "express", "carrier": "顺丰速运", "tracking_number": "SF100",
        "lines-0-line_id": valve, "lines-0-quantity": "4", "lines-1-line_id": seal, "lines-1-quantity": "0"})
    (shipment,) = _shipments(order)
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/shipments/{shipment.id}")
    assert [(line.order_line_id, line.quantity) for line in shipment.lines] == [(valve, Decimal(4))]
    assert (shipment.carrier, shipment.tracking_number) == ("顺丰速运", "SF100")

    again = clerk.get(f"/orders/{order.id}/shipments/new?mode=freight").get_data(as_text=True)
    row = again[again.index('name="lines-0-quantity"') - 400:again.index('name="lines-0-quantity"') + 200]
    assert 'value="6"' in row  # 10 ordered, 4 in the first shipment
    second = clerk.post(f"/orders/{order.id}/shipments", data={
        "delivery_method": "freight", "carrier": "德邦物流", "vehicle": "沪A12345", "driver_name": "李师傅",
        "driver_phone": "13800000000", "waybill_number": "DB-9",
        "lines-0-line_id": valve, "lines-0-quantity": "6", "lines-1-line_id": seal, "lines-1-quantity": "200"})
    assert second.status_code == 302
    freight = _shipments(order)[1]
    assert (freight.delivery_method, freight.vehicle, freight.driver_phone, freight.waybill_number) == (
        DeliveryMethod.FREIGHT, "沪A12345", "13800000000", "DB-9")
    assert not any(services.remaining(reload(order)).values())


def test_a_refused_shipment_form_keeps_what_was_typed_and_names_the_field(app, world):
    _settings(app, world, carriers=["顺丰速运", "德邦物流"])
    order = submitted_order(world)
    valve, seal = _line_ids(order)
    clerk = portal_login(app, world.users["logistics"])
    assert '<select id="carrier" name="carrier"' in clerk.get(f"/orders/{order.id}/shipments/new").get_data(
        as_text=True)  # the company's carriers, not free text

    too_much = clerk.post(f"/orders/{order.id}/shipments", data={
        "delivery_method": "express", "carrier": "顺丰速运", "tracking_number": "SF7",
        "lines-0-line_id": valve, "lines-0-quantity": "11", "lines-1-line_id": seal, "lines-1-quantity": "5"})
    page = too_much.get_data(as_text=True)
    assert too_much.status_code == 422
    assert "more than the 10 left to ship" in _cell(page, "lines-0-quantity")
    assert 'value="11"' in _cell(page, "lines-0-quantity") and 'value="5"' in _cell(page, "lines-1-quantity")
    assert 'value="SF7"' in page and "<option selected>顺丰速运</option>" in page
    assert _shipments(order) == []

    unknown = clerk.post(f"/orders/{order.id}/shipments", data={
        "delivery_method": "express", "carrier": "圆通", "lines-0-line_id": valve, "lines-0-quantity": "1"})
    page = unknown.get_data(as_text=True)
    assert unknown.status_code == 422
    carrier_box = page[page.index('<label for="carrier">'):page.index("</div>", page.index('<label for="carrier">'))]
    assert "圆通 is not one of the company" in carrier_box

    not_a_number = clerk.post(f"/orders/{order.id}/shipments", data={
        "delivery_method": "express", "lines-0-line_id": valve, "lines-0-quantity": "four"})
    assert not_a_number.status_code == 422
    assert 'value="four"' in _cell(not_a_number.get_data(as_text=True), "lines-0-quantity")
    assert 'class="error"' in _cell(not_a_number.get_data(as_text=True), "lines-0-quantity")
    assert _shipments(order) == []


def test_an_order_set_to_leave_whole_refuses_a_part_in_the_portal_and_the_api(app, world):
    order = submitted_order(world)
    valve, seal = _line_ids(order)
    clerk = portal_login(app, world.users["logistics"])
    assert clerk.post(f"/orders/{order.id}/shipping/partial", data={"partial": "whole"}).status_code == 302
    api = ApiClient(app, world.users["logistics"])
    assert api.get(f"/api/v1/orders/{order.id}/partial-delivery").get_json() == {
        "order_id": order.id, "partial_delivery": False, "company_partial_delivery": True, "allowed": False}

    part = clerk.post(f"/orders/{order.id}/shipments", data={
        "delivery_method": "express", "lines-0-line_id": valve, "lines-0-quantity": "4",
        "lines-1-line_id": seal, "lines-1-quantity": "200"})
    assert part.status_code == 422 and "is delivered whole" in part.get_data(as_text=True)
    assert _shipments(order) == []

    back = api.put(f"/api/v1/orders/{order.id}/partial-delivery", json={"partial_delivery": None})
    assert back.status_code == 200 and back.get_json()["allowed"] is True
    _settings(app, world, partial_delivery=False)  # the company ships whole; this order may still go in parts
    allowed = api.put(f"/api/v1/orders/{order.id}/partial-delivery", json={"partial_delivery": True}).get_json()
    assert (allowed["partial_delivery"], allowed["company_partial_delivery"], allowed["allowed"]) == (True, False, True)
    assert clerk.post(f"/orders/{order.id}/shipments", data={
        "delivery_method": "express", "lines-0-line_id": valve, "lines-0-quantity": "4"}).status_code == 302
    refused = api.put(f"/api/v1/orders/{order.id}/partial-delivery", json={"partial_delivery": "maybe"})
    assert refused.status_code == 400 and "partial_delivery" in str(refused.get_json())
    assert ApiClient(app, world.users["sales"]).put(f"/api/v1/orders/{order.id}/partial-delivery",
                                                   json={"partial_delivery": False}).status_code == 403
    changes = db.session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "partial_delivery_set")).scalar_one()
    assert changes == 3


def test_a_delivered_orders_partial_delivery_can_no_longer_be_set(app, world):
    order = submitted_order(world)
    shipment = _prepared(app, world, order)
    api = ApiClient(app, world.users["logistics"])
    api.post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    ApiClient(app, world.users["customer_service"]).post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                         json={"signed_by": "王海"})
    late = api.put(f"/api/v1/orders/{order.id}/partial-delivery", json={"partial_delivery": False})
    assert late.status_code == 409 and "partial_delivery" in str(late.get_json())
    assert api.get(f"/api/v1/orders/{order.id}/partial-delivery").get_json()["partial_delivery"] is None


def test_the_check_is_recorded_per_line_and_a_tracked_product_needs_its_lots(app, world):
    order = submitted_order(world)
    valve_product = world.products[0]
    services.set_tracking(valve_product.id, world.company.id, Tracking.LOT)
    commit()
    shipment = _prepared(app, world, order)
    valve, seal = sorted(shipment["lines"], key=lambda line: line["line_no"])
    clerk = portal_login(app, world.users["logistics"])
    page = clerk.get(f"/shipments/{shipment['id']}").get_data(as_text=True)
    assert 'name="lines-0-lot_numbers"' in page and 'name="lines-1-lot_numbers"' not in page  # only where tracked

    no_lots = clerk.post(f"/shipments/{shipment['id']}/check", data={
        "lines-0-line_id": valve["order_line_id"], "lines-0-quantity": "10", "lines-0-result": "pass",
        "lines-1-line_id": seal["order_line_id"], "lines-1-quantity": "200", "lines-1-result": "fail"})
    page = no_lots.get_data(as_text=True)
    assert no_lots.status_code == 422
    assert "tracked by lot" in _cell(page, "lines-0-lot_numbers")
    assert '<option selected value="fail">' in _cell(page, "lines-1-result")  # the choice is kept
    assert reload(db.session.get(Shipment, shipment["id"])).checked_at is None

    no_reason = clerk.post(f"/shipments/{shipment['id']}/check", data={
        "lines-0-line_id": valve["order_line_id"], "lines-0-quantity": "10", "lines-0-result": "pass",
        "lines-0-lot_numbers": "L2026-01\nL2026-02",
        "lines-1-line_id": seal["order_line_id"], "lines-1-quantity": "198", "lines-1-result": "fail"})
    assert no_reason.status_code == 422
    assert "say why the line failed" in _cell(no_reason.get_data(as_text=True), "lines-1-reason")

    done = clerk.post(f"/shipments/{shipment['id']}/check", data={
        "lines-0-line_id": valve["order_line_id"], "lines-0-quantity": "10", "lines-0-result": "pass",
        "lines-0-lot_numbers": "L2026-01, L2026-02",
        "lines-1-line_id": seal["order_line_id"], "lines-1-quantity": "198", "lines-1-result": "fail",
        "lines-1-reason": "少两个"})
    assert done.status_code == 302
    checked = {line.order_line_id: line for line in reload(db.session.get(Shipment, shipment["id"])).lines}
    assert checked[valve["order_line_id"]].lot_numbers == ["L2026-01", "L2026-02"]
    assert (checked[seal["order_line_id"]].check_result.value, checked[seal["order_line_id"]].confirmed_quantity,
            checked[seal["order_line_id"]].check_reason) == ("fail", Decimal(198), "少两个")


def test_dispatch_is_held_back_by_a_failed_check_in_block_mode_with_the_reason_on_the_page(app, world):
    _settings(app, world, check_mode="block")
    order = submitted_order(world)
    shipment = _prepared(app, world, order)
    clerk = portal_login(app, world.users["logistics"])
    page = clerk.get(f"/shipments/{shipment['id']}").get_data(as_text=True)
    assert "It cannot leave until its check passes" in page and "is not checked" in page

    refused = clerk.post(f"/shipments/{shipment['id']}/dispatch", data={"carrier": "顺丰速运", "tracking_number": "SF9"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "cannot leave before its check passes" in page and 'value="SF9"' in page
    assert reload(order).status == OrderStatus.APPROVED
    assert _shipments(order)[0].status == ShipmentStatus.PREPARED


def test_dispatch_in_warn_mode_leaves_with_a_recorded_warning_shown_to_the_clerk(app, world):
    order = submitted_order(world)
    shipment = _prepared(app, world, order)
    clerk = portal_login(app, world.users["logistics"])
    assert "a warning will be recorded" in clerk.get(f"/shipments/{shipment['id']}").get_data(as_text=True)

    sent = clerk.post(f"/shipments/{shipment['id']}/dispatch", data={"carrier": "顺丰速运", "tracking_number": "SF9"})
    assert sent.status_code == 302
    page = clerk.get(sent.headers["Location"]).get_data(as_text=True)
    assert "It left without a passing check" in page
    assert reload(order).status == OrderStatus.SHIPPED
    warned = db.session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "shipment_dispatched_unchecked")).scalar_one()
    assert warned == 1


def test_a_pickup_shows_its_code_and_records_who_collected_it(app, world):
    order = submitted_order(world, delivery_method=DeliveryMethod.PICKUP)
    shipment = _prepared(app, world, order)
    clerk = portal_login(app, world.users["logistics"])
    page = clerk.get(f"/shipments/{shipment['id']}").get_data(as_text=True)
    assert shipment["pickup_code"] in page and 'name="collected_by"' in page and 'name="tracking_number"' not in page
    handed = clerk.post(f"/shipments/{shipment['id']}/dispatch", data={"collected_by": "赵六"})
    assert handed.status_code == 302
    (found,) = _shipments(order)
    assert (found.collected_by, found.collected_at is not None) == ("赵六", True)


def test_the_shipment_pages_issue_as_many_statements_for_twenty_lines_as_for_two(app, world):
    counts: dict[str, list[int]] = {"prepare": [], "check": [], "record check": [], "accept": [], "report": []}
    clerk = portal_login(app, world.users["logistics"])
    desk = portal_login(app, world.users["customer_service"])
    for size in (2, 20):
        order = _order_of(world, size)
        clerk.get(f"/orders/{order.id}/shipments/new")  # warm: the session's first page
        with statements() as sent:
            assert clerk.get(f"/orders/{order.id}/shipments/new").status_code == 200
        counts["prepare"].append(len(sent))
        shipment = _prepared(app, world, order)
        with statements() as sent:
            assert clerk.get(f"/shipments/{shipment['id']}").status_code == 200
        counts["check"].append(len(sent))
        checked = {"csrf_token": ""}
        for index, line in enumerate(shipment["lines"]):
            checked |= {f"lines-{index}-line_id": line["order_line_id"], f"lines-{index}-quantity": "2",
                        f"lines-{index}-result": "pass"}
        with statements() as sent:
            assert clerk.post(f"/shipments/{shipment['id']}/check", data=checked).status_code == 302
        counts["record check"].append(len(sent))
        ApiClient(app, world.users["logistics"]).post(f"/api/v1/shipments/{shipment['id']}/dispatch")
        with statements() as sent:
            page = desk.get(f"/shipments/{shipment['id']}").get_data(as_text=True)
        assert re.search(r'name="verdict-\d+"', page)
        counts["accept"].append(len(sent))
        ApiClient(app, world.users["customer_service"]).post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                             json={"signed_by": "王海"})
        with statements() as sent:
            assert desk.get(f"/orders/{order.id}/cases/new").status_code == 200
        counts["report"].append(len(sent))
    assert all(two == twenty for two, twenty in counts.values()), counts
