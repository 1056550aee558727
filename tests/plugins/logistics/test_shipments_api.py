"""Shipments by line (procedure 七): partial shipments, delivery modes, the pre-dispatch check, dispatch, documents."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Channel, DeliveryMethod, Order, OrderLine, OrderStatus, OutboxMessage, PaymentTerms
from core.orders import compute_totals, events
from plugins.logistics.shipments import services
from plugins.logistics.shipments.models import Shipment, ShipmentLine, Tracking
from tests.factories import ApiClient, reload
from tests.plugins.logistics.execution import statements
from tests.plugins.logistics.orders import submitted_order


def _api(app, world, role="logistics") -> ApiClient:
    return ApiClient(app, world.users[role])


def _settings(app, world, **data) -> dict:
    response = _api(app, world, "administrator").put("/api/v1/logistics/settings", json=data)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _lines(order) -> tuple[int, int]:
    valve, seal = sorted(reload(order).lines, key=lambda line: line.line_no)
    return valve.id, seal.id


def _create(app, world, order, **body):
    return _api(app, world).post(f"/api/v1/orders/{order.id}/shipments", json=body)


def _pass_all(app, world, shipment: dict) -> dict:
    response = _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/check", json={"lines": [
        {"order_line_id": line["order_line_id"], "confirmed_quantity": line["quantity"], "result": "pass"}
        for line in shipment["lines"]]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _count(event: str, order) -> int:
    return db.session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.order_id == order.id, AuditEntry.entity == "order", AuditEntry.action == event)).scalar_one()


def test_two_partial_shipments_complete_the_order(app, world):
    order = submitted_order(world)
    valve, seal = _lines(order)
    first = _create(app, world, order, carrier="顺丰速运", tracking_number="SF1",
                    lines=[{"order_line_id": valve, "quantity": "4"}, {"order_line_id": seal, "quantity": "200"}])
    assert first.status_code == 201, first.get_json()
    remaining = _api(app, world).get(f"/api/v1/orders/{order.id}/shipping").get_json()
    assert [(line["order_line_id"], line["shipped"], line["remaining"]) for line in remaining] == [
        (valve, "4.000", "6.000"), (seal, "200.000", "0.000")]
    assert _api(app, world).post(f"/api/v1/shipments/{_pass_all(app, world, first.get_json())['id']}/dispatch"
                                 ).get_json()["order_status"] == "shipped"

    second = _create(app, world, order, carrier="顺丰速运", tracking_number="SF2",
                     lines=[{"order_line_id": valve, "quantity": "6"}]).get_json()
    _pass_all(app, world, second)
    dispatched = _api(app, world).post(f"/api/v1/shipments/{second['id']}/dispatch")
    assert dispatched.status_code == 200, dispatched.get_json()
    assert _count("ship", order) == 1  # the second part leaves an order that is shipped already
    assert _create(app, world, order).status_code == 409  # nothing left to ship

    service = _api(app, world, "customer_service")
    after_first = service.post(f"/api/v1/shipments/{first.get_json()['id']}/acceptance", json={"signed_by": "王海"})
    assert after_first.get_json()["order_status"] == "shipped"  # the second part is not signed for yet
    done = service.post(f"/api/v1/shipments/{second['id']}/acceptance", json={"signed_by": "王海"})
    assert done.get_json()["order_status"] in ("delivered", "completed")
    assert _count("deliver", order) == 1


def test_more_than_remains_or_another_orders_line_is_refused_and_nothing_changes(app, world):
    order, other = submitted_order(world), submitted_order(world)
    valve, _seal = _lines(order)
    other_valve, _ = _lines(other)
    too_much = _create(app, world, order, lines=[{"order_line_id": valve, "quantity": "11"}])
    assert too_much.status_code == 400
    assert [e["field"] for e in too_much.get_json()["errors"]] == ["lines[0].quantity"]
    foreign = _create(app, world, order, lines=[{"order_line_id": other_valve, "quantity": "1"}])
    assert [e["field"] for e in foreign.get_json()["errors"]] == ["lines[0].order_line_id"]
    for body, field in (({"lines": [{"order_line_id": valve, "quantity": "0"}]}, "lines"),
                        ({"lines": [{"order_line_id": valve, "quantity": "x"}]}, "lines"),
                        ({"lines": []}, "lines"),
                        ({"lines": [{"order_line_id": valve, "quantity": "1"}, {"order_line_id": valve,
                                                                                "quantity": "1"}]}, "lines[1]"),
                        ({"delivery_method": "drone"}, "delivery_method")):
        response = _create(app, world, order, **body)
        assert response.status_code == 400, (body, response.get_json())
        assert response.get_json()["errors"][0]["field"].startswith(field), response.get_json()
    assert db.session.execute(select(func.count(Shipment.id))).scalar_one() == 0


def test_an_order_delivered_whole_refuses_a_part(app, world):
    _settings(app, world, partial_delivery=False)
    order = submitted_order(world)
    valve, _seal = _lines(order)
    response = _create(app, world, order, lines=[{"order_line_id": valve, "quantity": "10"}])
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "lines"
    assert _create(app, world, order).status_code == 201  # everything that remains


def test_each_mode_asks_for_its_own_fields_and_refuses_the_others(app, world):
    _settings(app, world, carriers=["顺丰速运", "德邦物流"])
    express = submitted_order(world)
    wrong_carrier = _create(app, world, express, carrier="无名快递")
    assert [e["field"] for e in wrong_carrier.get_json()["errors"]] == ["carrier"]
    assert [e["field"] for e in _create(app, world, express, vehicle="沪A12345").get_json()["errors"]] == ["vehicle"]
    made = _create(app, world, express, carrier="顺丰速运", tracking_number="SF9").get_json()
    assert (made["carrier"], made["tracking_number"], made["pickup_code"]) == ("顺丰速运", "SF9", None)

    freight = submitted_order(world, delivery_method=DeliveryMethod.FREIGHT)
    truck = _create(app, world, freight, carrier="德邦物流", vehicle="沪A12345", driver_name="李师傅",
                    driver_phone="13800000000", waybill_number="DB778").get_json()
    assert (truck["vehicle"], truck["driver_name"], truck["waybill_number"]) == ("沪A12345", "李师傅", "DB778")

    pickup = submitted_order(world, delivery_method=DeliveryMethod.PICKUP)
    refused = _create(app, world, pickup, tracking_number="SF1")
    assert refused.status_code == 400
    assert [e["field"] for e in refused.get_json()["errors"]] == ["tracking_number"]
    collect = _create(app, world, pickup).get_json()
    assert len(collect["pickup_code"]) == 6 and collect["pickup_code"].isdigit()
    collected = _api(app, world).post(f"/api/v1/shipments/{collect['id']}/dispatch",
                                      json={"collected_by": "张师傅"}).get_json()
    assert collected["collected_by"] == "张师傅" and collected["collected_at"] is not None


def test_a_failed_check_blocks_the_dispatch_in_block_mode(app, world):
    _settings(app, world, check_mode="block")
    order = submitted_order(world)
    valve, seal = _lines(order)
    shipment = _create(app, world, order).get_json()
    unchecked = _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    assert unchecked.status_code == 409
    assert unchecked.get_json()["errors"][0]["field"] == "check"

    failed = _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/check", json={"lines": [
        {"order_line_id": valve, "result": "pass"},
        {"order_line_id": seal, "confirmed_quantity": "198", "result": "fail", "reason": "两件密封圈变形"}]})
    assert failed.status_code == 200, failed.get_json()
    blocked = _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    assert blocked.status_code == 409
    assert "两件密封圈变形" in blocked.get_json()["detail"]
    assert reload(order).status == OrderStatus.APPROVED
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == services.NOTICE_KIND)) == 0

    _pass_all(app, world, shipment)
    assert _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/dispatch").status_code == 200


def test_warn_mode_only_warns_and_records_the_warning(app, world):
    _settings(app, world, check_mode="warn")
    order = submitted_order(world)
    valve, seal = _lines(order)
    shipment = _create(app, world, order, carrier="顺丰速运", tracking_number="SF77").get_json()
    _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/check", json={"lines": [
        {"order_line_id": valve, "result": "fail", "reason": "外观划痕"}]})
    dispatched = _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    assert dispatched.status_code == 200
    assert dispatched.get_json()["order_status"] == "shipped"
    warning = db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "shipment_dispatched_unchecked")).scalar_one()
    assert warning.after["check_mode"] == "warn"
    assert warning.after["lines"] == [{"line_no": 1, "result": "fail", "reason": "外观划痕"},
                                      {"line_no": 2, "result": None, "reason": None}]


def test_the_check_refuses_bad_input(app, world):
    order, other = submitted_order(world), submitted_order(world)
    valve, seal = _lines(order)
    services.set_tracking(reload(order).lines[0].product_id, world.company.id, Tracking.SERIAL)
    commit()
    shipment = _create(app, world, order).get_json()
    url = f"/api/v1/shipments/{shipment['id']}/check"
    for entry, field in (({"order_line_id": _lines(other)[0], "result": "pass"}, "lines[0].order_line_id"),
                         ({"order_line_id": seal, "result": "fail"}, "lines[0].reason"),
                         ({"order_line_id": seal, "result": "pass", "confirmed_quantity": "199"},
                          "lines[0].confirmed_quantity"),
                         ({"order_line_id": valve, "result": "pass", "lot_numbers": ["SN1", "SN2"]},
                          "lines[0].lot_numbers"),
                         ({"order_line_id": seal, "result": "maybe"}, "lines")):
        response = _api(app, world).post(url, json={"lines": [entry]})
        assert response.status_code == 400, (entry, response.get_json())
        assert response.get_json()["errors"][0]["field"].startswith(field), response.get_json()
    assert db.session.execute(select(func.count(ShipmentLine.id)).where(
        ShipmentLine.check_result.is_not(None))).scalar_one() == 0
    serials = [f"SN{n}" for n in range(10)]
    ok = _api(app, world).post(url, json={"lines": [{"order_line_id": valve, "result": "pass",
                                                     "lot_numbers": serials}]})
    assert ok.status_code == 200 and ok.get_json()["lines"][0]["lot_numbers"] == serials


def test_dispatch_tells_the_customer_with_the_tracking_details_in_their_language(app, world):
    order = submitted_order(world)
    shipment = _create(app, world, order, carrier="顺丰速运", tracking_number="SF123456").get_json()
    _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    notice = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == services.NOTICE_KIND)
                                ).scalar_one_or_none()
    if reload(order).customer.email:
        assert notice is not None and "SF123456" in notice.body and "顺丰速运" in notice.body
    else:
        assert notice is None


def _fonts(pdf) -> list[list[str]]:
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in fonts.splitlines() if "NotoSansCJK" in line.split(" ")[0].replace("-", "")]


def test_the_certificate_embeds_a_cjk_font_and_carries_the_checks_results(app, world, tmp_path):
    order = submitted_order(world)
    valve, seal = _lines(order)
    shipment = _create(app, world, order).get_json()
    checked = _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/check", json={"lines": [
        {"order_line_id": valve, "result": "pass", "lot_numbers": ["L2026-12"]},
        {"order_line_id": seal, "result": "fail", "reason": "包装破损"}]})
    assert checked.status_code == 200, checked.get_json()
    api = _api(app, world)
    response = api.get(f"/api/v1/shipments/{shipment['id']}/documents/certificate")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["ETag"]
    again = api.get(f"/api/v1/shipments/{shipment['id']}/documents/certificate",
                    headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.data)
    cjk = _fonts(pdf)
    assert cjk and all(columns[-5] == "yes" for columns in cjk)
    # Narrow columns wrap their words: compare without whitespace.
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
                                  ).stdout.split())
    assert "L2026-12" in text and "Failed:包装破损" in text and "Passed" in text
    assert "".join(world.users["logistics"].name.split()) in text  # who checked
    note = api.get(f"/api/v1/shipments/{shipment['id']}/documents/delivery-note")
    assert note.status_code == 200 and note.mimetype == "application/pdf"
    assert api.get(f"/api/v1/orders/{order.id}/documents/certificate").status_code == 200
    assert api.get(f"/api/v1/shipments/{shipment['id']}/documents/invoice").status_code == 404


def _order_of(world, count: int) -> Order:
    product = world.products[0]
    order = Order(company_id=world.company.id, number=f"SO-LINES-{count}", channel=Channel.PHONE,
                  customer_id=world.customers[0].id, delivery_address="上海", requested_date=date.today()
                  + timedelta(days=14), payment_terms=PaymentTerms.CASH_ON_DELIVERY,
                  delivery_method=DeliveryMethod.EXPRESS, created_by_id=world.users["sales"].id)
    order.lines = [OrderLine(line_no=n, product_id=product.id, description=product.name, unit=product.unit,
                             quantity=Decimal("2"), unit_price=Decimal("10.00"), tax_rate=product.tax_rate)
                   for n in range(1, count + 1)]
    compute_totals(order)
    db.session.add(order)
    db.session.flush()
    events.submit(order, actor=world.users["sales"])
    commit()
    return order


def test_dispatch_issues_as_many_statements_for_twenty_lines_as_for_two(app, world):
    counts = []
    for size in (2, 20):
        shipment = _create(app, world, _order_of(world, size)).get_json()
        _pass_all(app, world, shipment)
        db.session.expire_all()
        with statements() as sent:
            assert _api(app, world).post(f"/api/v1/shipments/{shipment['id']}/dispatch").status_code == 200
        counts.append(len(sent))
    assert counts[0] == counts[1], counts
