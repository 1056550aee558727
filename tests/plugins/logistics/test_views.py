"""The logistics portal: the shipments list and the order page's shipping and sign-off forms."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from core.extensions import db
from core.models import DeliveryMethod, OrderStatus
from plugins.logistics.shipments.models import Shipment, ShipmentStatus
from tests import factories
from tests.factories import ApiClient, portal_login, reload
from tests.plugins.logistics.gate_plugin import PREPAYMENT_REASON
from tests.plugins.logistics.orders import submitted_order


def _shipments(order) -> list[Shipment]:
    db.session.expire_all()
    return list(db.session.execute(select(Shipment).where(Shipment.order_id == order.id)).scalars())


def test_logistics_ships_from_the_order_page_and_the_customer_signs_there(app, world):
    order = submitted_order(world)
    clerk = portal_login(app, world.users["logistics"])
    order_page = f"/orders/{order.id}"

    prepared = clerk.post(f"/orders/{order.id}/shipments", data={"carrier": "德邦物流", "tracking_number": ""})
    (shipment,) = _shipments(order)
    assert prepared.status_code == 302 and prepared.headers["Location"].endswith(f"/shipments/{shipment.id}")
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == (ShipmentStatus.PREPARED, "德邦物流", None)

    page = clerk.get(order_page).get_data(as_text=True)
    assert f"Shipment {shipment.number} is prepared." in page
    assert f'href="/shipments/{shipment.id}#check"' in page
    assert f'action="/shipments/{shipment.id}/dispatch"' in clerk.get(f"/shipments/{shipment.id}").get_data(as_text=True)

    clerk.post(f"/shipments/{shipment.id}/dispatch", data={"carrier": "德邦物流", "tracking_number": "DB-556677"})
    assert reload(order).status == OrderStatus.SHIPPED
    assert _shipments(order)[0].tracking_number == "DB-556677"

    buyer = portal_login(app, world.users["customer"])
    assert f'action="/shipments/{shipment.id}/acceptance"' in buyer.get(order_page).get_data(as_text=True)
    signed = buyer.post(f"/shipments/{shipment.id}/acceptance",
                        data={"signed_by": "王建国", "reservations": "", "rating": "5"})
    assert signed.status_code == 302 and signed.headers["Location"].endswith(order_page)
    (shipment,) = _shipments(order)
    assert (shipment.status, shipment.signed_by, shipment.rating, shipment.reservations) == (
        ShipmentStatus.ACCEPTED, "王建国", 5, None)
    assert reload(order).status == OrderStatus.COMPLETED
    page = buyer.get(order_page).get_data(as_text=True)
    assert f"The sign-off for {shipment.number} is recorded." in page
    assert "5 / 5" in page


def test_a_sign_off_without_a_name_is_refused_on_the_page(app, world):
    order = submitted_order(world, delivery_method=DeliveryMethod.PICKUP)
    shipment = ApiClient(app, world.users["logistics"]).post(f"/api/v1/orders/{order.id}/shipments").get_json()
    desk = portal_login(app, world.users["customer_service"])

    desk.post(f"/shipments/{shipment['id']}/acceptance", data={"signed_by": "", "rating": "9"})

    page = desk.get(f"/orders/{order.id}").get_data(as_text=True)
    errors = [line for line in page.splitlines() if 'class="flash error"' in line]
    assert any("Signed for by:" in line for line in errors), errors
    assert any("Satisfaction:" in line for line in errors), errors
    assert _shipments(order)[0].status == ShipmentStatus.PREPARED
    assert reload(order).status == OrderStatus.APPROVED


def test_the_order_page_explains_an_execution_gate(gated_app):
    world = factories.build_world(gated_app)
    order = submitted_order(world)
    clerk = portal_login(gated_app, world.users["logistics"])

    page = clerk.get(f"/orders/{order.id}").get_data(as_text=True)
    assert PREPAYMENT_REASON in page

    clerk.post(f"/orders/{order.id}/shipments", data={"carrier": "", "tracking_number": ""})
    assert PREPAYMENT_REASON in clerk.get(f"/orders/{order.id}").get_data(as_text=True)
    assert _shipments(order) == []


def test_the_shipments_page_lists_shipments_by_status(app, world):
    shipped = submitted_order(world)
    waiting = submitted_order(world, customer=1)
    api = ApiClient(app, world.users["logistics"])
    first = api.post(f"/api/v1/orders/{shipped.id}/shipments", json={"carrier": "顺丰速运"}).get_json()
    api.post(f"/api/v1/shipments/{first['id']}/dispatch")
    second = api.post(f"/api/v1/orders/{waiting.id}/shipments").get_json()
    viewer = portal_login(app, world.users["production"])

    everything = viewer.get("/shipments").get_data(as_text=True)
    dispatched = viewer.get("/shipments?status=dispatched").get_data(as_text=True)
    prepared = viewer.get("/shipments?status=prepared").get_data(as_text=True)

    assert first["number"] in everything and second["number"] in everything
    assert "上海华东机电有限公司" in everything and "顺丰速运" in everything
    assert first["number"] in dispatched and second["number"] not in dispatched
    assert second["number"] in prepared and first["number"] not in prepared
    bad = viewer.get("/shipments?status=lost")
    assert bad.status_code == 400 and "status must be one of" in bad.get_data(as_text=True)


def test_only_those_who_may_see_shipments_get_the_list_or_the_forms(app, world):
    order = submitted_order(world)
    assert portal_login(app, world.users["customer"]).get("/shipments").status_code == 403
    assert portal_login(app, world.users["finance"]).get("/shipments").status_code == 403
    response = portal_login(app, world.users["sales"]).post(f"/orders/{order.id}/shipments", data={})
    assert response.status_code == 403
    assert _shipments(order) == []


def test_the_shipments_list_searches_groups_and_exports(app, world):
    first_order, second_order = submitted_order(world), submitted_order(world, customer=1)
    api = ApiClient(app, world.users["logistics"])
    first = api.post(f"/api/v1/orders/{first_order.id}/shipments", json={"carrier": "顺丰速运"}).get_json()
    api.post(f"/api/v1/shipments/{first['id']}/dispatch")
    second = api.post(f"/api/v1/orders/{second_order.id}/shipments", json={"carrier": "德邦物流"}).get_json()
    viewer = portal_login(app, world.users["production"])

    found = viewer.get("/shipments?q=德邦").get_data(as_text=True)
    assert second["number"] in found and first["number"] not in found
    grouped = viewer.get("/shipments?group=status").get_data(as_text=True)
    assert '<a href="/shipments?status=dispatched">Dispatched</a></td>\n          <td class="num">1</td>' in grouped
    exported = viewer.get("/shipments?sort=number&format=csv")
    header, *rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in rows] == sorted([first["number"], second["number"]])
    assert {row[header.index("Carrier")] for row in rows} == {"顺丰速运", "德邦物流"}
    assert viewer.get("/shipments?dispatched_from=yesterday").status_code == 400
