"""Acceptance line by line (procedure 七): the customer accepts, accepts with reservations or refuses each
shipped line; the order is delivered only once everything shipped is accepted."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Channel, DeliveryMethod, Order, OrderLine, PaymentTerms
from core.orders import compute_totals, events
from plugins.logistics.acceptance import services as acceptance
from plugins.logistics.acceptance.models import LineAcceptance, RecordedAs, Verdict
from tests.factories import ApiClient
from tests.plugins.logistics.execution import statements
from tests.plugins.logistics.orders import submitted_order


def _api(app, world, role="logistics") -> ApiClient:
    return ApiClient(app, world.users[role])


def _dispatched(app, world, order) -> dict:
    """The whole order in one shipment, checked and dispatched."""
    created = _api(app, world).post(f"/api/v1/orders/{order.id}/shipments", json={
        "carrier": "顺丰速运", "tracking_number": "SF1"}).get_json()
    _api(app, world).post(f"/api/v1/shipments/{created['id']}/check", json={"lines": [
        {"order_line_id": line["order_line_id"], "result": "pass"} for line in created["lines"]]})
    shipment = _api(app, world).post(f"/api/v1/shipments/{created['id']}/dispatch").get_json()
    assert shipment["status"] == "dispatched", shipment
    return shipment


def _lines(shipment: dict) -> tuple[dict, dict]:
    valve, seal = sorted(shipment["lines"], key=lambda line: line["line_no"])
    return valve, seal


def _delivered(order) -> int:
    return db.session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.order_id == order.id, AuditEntry.entity == "order", AuditEntry.action == "deliver")).scalar_one()


def _verdicts() -> int:
    return db.session.execute(select(func.count(LineAcceptance.id))).scalar_one()


def test_a_refused_line_keeps_the_order_open_until_it_is_shipped_again_and_accepted(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    valve, seal = _lines(shipment)
    customer = _api(app, world, "customer")

    reply = customer.post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={
        "rating": 4, "comment": "司机很准时", "lines": [
            {"shipment_line_id": valve["id"], "verdict": "accepted_with_reservations", "note": "包装破损"},
            {"shipment_line_id": seal["id"], "verdict": "refused", "refused_quantity": "2", "reason": "damaged"}]})
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["status"] == "accepted"  # every line judged: the shipment is signed for
    assert reply.get_json()["order_status"] == "shipped"  # two seals are still owed
    assert _delivered(order) == 0
    recorded = {row.order_line_id: row for row in db.session.execute(select(LineAcceptance)).scalars()}
    assert recorded[seal["order_line_id"]].refused_quantity == Decimal("2")
    assert recorded[seal["order_line_id"]].accepted_quantity == Decimal(seal["quantity"]) - 2
    assert recorded[valve["order_line_id"]].recorded_as == RecordedAs.CUSTOMER

    remaining = _api(app, world).get(f"/api/v1/orders/{order.id}/shipping").get_json()
    assert [line["remaining"] for line in sorted(remaining, key=lambda line: line["line_no"])] == ["0.000", "2.000"]

    again = _api(app, world).post(f"/api/v1/orders/{order.id}/shipments", json={
        "carrier": "顺丰速运", "tracking_number": "SF2"}).get_json()
    assert [line["quantity"] for line in again["lines"]] == ["2.000"]  # the refused quantity, shipped again
    _api(app, world).post(f"/api/v1/shipments/{again['id']}/check", json={"lines": [
        {"order_line_id": again["lines"][0]["order_line_id"], "result": "pass"}]})
    _api(app, world).post(f"/api/v1/shipments/{again['id']}/dispatch")
    done = _api(app, world, "customer_service").post(f"/api/v1/shipments/{again['id']}/acceptance", json={
        "on_behalf": "driver", "lines": [{"shipment_line_id": again["lines"][0]["id"], "verdict": "accepted"}]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["order_status"] in ("delivered", "completed")
    assert _delivered(order) == 1
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.entity == "order", AuditEntry.action == "deliver")).scalar_one()
    assert "包装破损" in str(entry.after)  # the reservation travels with delivered
    driver = db.session.execute(select(LineAcceptance).where(
        LineAcceptance.shipment_line_id == again["lines"][0]["id"])).scalar_one()
    assert driver.recorded_as == RecordedAs.DRIVER


def test_the_old_sign_off_accepts_every_line(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    reply = _api(app, world, "customer_service").post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                      json={"signed_by": "王海", "reservations": "外箱压痕"})
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["order_status"] in ("delivered", "completed")
    rows = db.session.execute(select(LineAcceptance)).scalars().all()
    assert len(rows) == 2 and {row.verdict for row in rows} == {Verdict.RESERVED}
    listed = _api(app, world).get(f"/api/v1/shipments/{shipment['id']}/acceptance").get_json()
    assert [row["verdict"] for row in listed] == ["accepted_with_reservations"] * 2


def test_bad_acceptance_names_the_field_and_changes_nothing(app, world):
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    valve, seal = _lines(shipment)
    other = _dispatched(app, world, submitted_order(world))
    customer = _api(app, world, "customer")
    url = f"/api/v1/shipments/{shipment['id']}/acceptance"

    def refused(body: dict, status: int, field: str) -> None:
        reply = customer.post(url, json=body)
        assert reply.status_code == status, reply.get_json()
        assert field in str(reply.get_json()), reply.get_json()
        assert _verdicts() == 0 and _delivered(order) == 0

    refused({"lines": [{"shipment_line_id": valve["id"], "verdict": "accepted"}], "rating": 6}, 400, "rating")
    refused({"lines": [{"shipment_line_id": valve["id"], "verdict": "accepted"}], "rating": 0}, 400, "rating")
    refused({"lines": [{"shipment_line_id": other["lines"][0]["id"], "verdict": "accepted"}]}, 400,
            "lines[0].shipment_line_id")
    refused({"lines": [{"shipment_line_id": seal["id"], "verdict": "refused", "refused_quantity": "100000",
                        "reason": "damaged"}]}, 400, "lines[0].refused_quantity")
    refused({"lines": [{"shipment_line_id": seal["id"], "verdict": "refused", "reason": "no-such-reason"}]},
            400, "lines[0].reason")
    refused({"lines": [{"shipment_line_id": valve["id"], "verdict": "accepted_with_reservations"}]}, 400,
            "lines[0].note")
    refused({"lines": [{"shipment_line_id": valve["id"], "verdict": "accepted"},
                       {"shipment_line_id": valve["id"], "verdict": "accepted"}]}, 409, "lines[1].shipment_line_id")

    assert customer.post(url, json={"lines": [{"shipment_line_id": valve["id"], "verdict": "accepted"}]}
                         ).status_code == 200
    twice = customer.post(url, json={"lines": [{"shipment_line_id": valve["id"], "verdict": "accepted"}]})
    assert twice.status_code == 409 and "lines[0].shipment_line_id" in str(twice.get_json())
    assert _verdicts() == 1


def test_the_company_lists_its_own_refusal_reasons_and_reopen_window(app, world):
    url = "/api/v1/logistics/acceptance-settings"
    assert _api(app, world, "customer").get(url).get_json() == {
        "refusal_reasons": ["damaged", "quantity_short", "wrong_item", "quality", "late", "other"], "reopen_days": 14}
    admin = _api(app, world, "administrator")
    assert admin.put(url, json={"refusal_reasons": ["破损", "少货"]}).get_json() == {
        "refusal_reasons": ["破损", "少货"], "reopen_days": 14}
    assert admin.put(url, json={"reopen_days": 30}).get_json()["reopen_days"] == 30
    duplicate = admin.put(url, json={"refusal_reasons": ["破损", "破损"]})
    assert duplicate.status_code == 400 and "refusal_reasons[1]" in str(duplicate.get_json())
    assert admin.get(url).get_json() == {"refusal_reasons": ["破损", "少货"], "reopen_days": 30}


def _order_of(world, count: int) -> Order:
    product = world.products[0]
    order = Order(company_id=world.company.id, number=f"SO-ACCEPT-{count}", channel=Channel.PHONE,
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


def test_acceptance_issues_as_many_statements_for_twenty_lines_as_for_two(app, world):
    counts = []
    for size in (2, 20):
        shipment = _dispatched(app, world, _order_of(world, size))
        body = {"rating": 5, "lines": [
            {"shipment_line_id": line["id"], "verdict": "refused" if index == 0 else "accepted",
             **({"reason": "damaged"} if index == 0 else {})} for index, line in enumerate(shipment["lines"])]}
        db.session.expire_all()
        with statements() as sent:
            reply = _api(app, world, "customer_service").post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                              json=body)
            assert reply.status_code == 200, reply.get_json()
        counts.append(len(sent))
    assert counts[0] == counts[1], counts


def test_a_photo_or_pdf_is_attached_and_anything_else_or_too_large_is_refused(app, world, monkeypatch):
    # A small limit for the test: a multi-megabyte body would be spooled to temporary files.
    monkeypatch.setattr(acceptance, "ATTACHMENT_MAX_BYTES", 1024)
    shipment = _dispatched(app, world, submitted_order(world))
    customer = _api(app, world, "customer")
    url = f"/api/v1/shipments/{shipment['id']}/acceptance/attachments"

    def upload(content: bytes, name: str):
        return customer.post(url, data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")

    photo = upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "破损.png")
    assert photo.status_code == 201, photo.get_json()
    assert (photo.get_json()["content_type"], photo.get_json()["filename"]) == ("image/png", "破损.png")
    assert upload(b"%PDF-1.7 ...", "签收单.pdf").get_json()["content_type"] == "application/pdf"
    not_a_photo = upload(b"MZ\x90\0 an executable", "photo.png")
    assert not_a_photo.status_code == 400 and "file" in str(not_a_photo.get_json())
    too_large = upload(b"%PDF-" + b"0" * 1024, "big.pdf")
    assert too_large.status_code == 400 and "file" in str(too_large.get_json())
    listed = _api(app, world, "logistics").get(url).get_json()
    assert [row["filename"] for row in listed] == ["破损.png", "签收单.pdf"]
    served = customer.get(f"{url}/{listed[0]['id']}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data.startswith(b"\x89PNG")
    documented = app.extensions["ordo.api"].spec.to_dict()["paths"]["/api/v1/shipments/{shipment_id}/acceptance/attachments/{attachment_id}"]
    assert set(documented["get"]["responses"]["200"]["content"]) == {"image/png", "image/jpeg", "application/pdf"}
