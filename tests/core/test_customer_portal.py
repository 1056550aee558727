"""The customer's portal: a customer user sees their own customer's submitted orders and their own drafts,
a timeline without staff names, internal notes or reasons, and the documents sent to them.

The world: the company ACME with two customers, a buyer of each, staff of every role,
and orders of the first customer in every situation a buyer must or must not see.
Everything is done through the portal and the API, as the people would.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core import companies
from core.db import commit
from core.extensions import db
from core.models import Role, User
from tests import factories
from tests.factories import World
from tests.flows import DECIDERS, Flow

CREDIT_NOTE = "信用额度内，同意"  # what the reviewers write when they approve
SEND_BACK_REASON = "价格待确认"
STAFF_ROLES = ("administrator", "sales", "finance", "production", "logistics", "customer_service", "manager",
               "supervisor")


@dataclass
class Shop:
    app: Flask
    world: World
    flow: Flow
    buyer: User  # of the first customer, 上海华东机电
    rival: User  # of the second customer, 北京燕山化工
    orders: dict[str, int]

    def portal(self, user: User) -> FlaskClient:
        return factories.portal_login(self.app, user)

    def api(self, user: User) -> factories.ApiClient:
        return factories.ApiClient(self.app, user)


def grant(world: World, role_name: str, *permissions: str) -> None:
    role = db.session.execute(db.select(Role).filter_by(company_id=world.company.id, name=role_name)).scalar_one()
    companies.set_role_permissions(role, role.permissions | set(permissions), actor=None)
    commit()


def review(flow: Flow, order: dict, decision: str = "approve", reason: str = CREDIT_NOTE) -> None:
    """Every open step decided by its department, each writing its note."""
    for _ in range(10):
        steps = flow.open_steps(order)
        if not steps:
            return
        step = steps[0]
        flow.ok(flow.api[DECIDERS.get(step["department"], "administrator")].post(
            f"/api/v1/reviews/{step['id']}/decision",
            json={"decision": decision, "reason": reason,
                  **({} if decision == "approve" else {"reason_code": "other"})}))
        if decision != "approve":
            return
    raise AssertionError("the review did not end")


def ship(flow: Flow, order: dict) -> dict:
    shipment = flow.ok(flow.api["logistics"].post(f"/api/v1/orders/{order['id']}/shipments",
                                                  json={"carrier": "顺丰速运", "tracking_number": "SF1234567890"}), 201)
    flow.ok(flow.api["logistics"].post(f"/api/v1/shipments/{shipment['id']}/dispatch"))
    return shipment


@pytest.fixture
def shop(app, world) -> Shop:
    """ACME lets its customers enter orders on the portal; the first customer has orders in every situation."""
    grant(world, "customer", "order.create", "order.edit")
    rival = factories.user(world.company, "customer", username="acme-rival-buyer", name="燕山 采购",
                           customer_id=world.customers[1].id)
    flow = Flow(app, world)
    buyer = world.customer_user
    assert buyer is not None
    built: dict[str, int] = {}

    # Carried to the end: reviewed with notes, shipped, signed for by the buyer, invoiced and paid.
    done = flow.submit(flow.create())
    review(flow, done)
    shipment = ship(flow, done)
    flow.ok(factories.ApiClient(app, buyer).post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                 json={"signed_by": "王海", "rating": 5}))
    flow.pay_in_full(done)
    built["completed"] = done["id"]
    built["in_review"] = flow.submit(flow.create())["id"]
    built["staff_draft"] = flow.create()["id"]
    sent_back = flow.submit(flow.create())
    review(flow, sent_back, "send_back", SEND_BACK_REASON)
    built["sent_back"] = sent_back["id"]
    own = factories.ApiClient(app, buyer).post("/api/v1/orders", json={
        "customer_id": world.customers[0].id, "channel": "portal", "requested_date": "2031-01-15",
        "delivery_method": "express", "lines": [{"product_id": world.products[1].id, "quantity": "40"}]})
    built["own_draft"] = flow.ok(own, 201)["id"]
    # The second customer's order, delivered and invoiced.
    theirs = flow.submit(flow.create(customer=world.customers[1]))
    flow.approve_review(theirs)
    flow.deliver(theirs, logistics=True)
    built["theirs"] = theirs["id"]
    return Shop(app, world, flow, buyer, rival, built)


def listed_ids(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'href="/orders/(\d+)"', page)}


def staff_names(world: World) -> list[str]:
    people = [world.users[role] for role in STAFF_ROLES]
    return [person.name for person in people] + [person.username for person in people]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


# --- which orders -------------------------------------------------------------------------------


def test_a_customer_user_sees_their_submitted_orders_and_own_drafts_in_the_list_and_the_api(shop):
    ids = shop.orders
    mine = {ids["completed"], ids["in_review"], ids["own_draft"]}

    listing = shop.portal(shop.buyer).get("/orders").get_data(as_text=True)
    api_list = shop.api(shop.buyer).get("/api/v1/orders").get_json()
    rival_list = shop.api(shop.rival).get("/api/v1/orders").get_json()

    assert listed_ids(listing) == mine
    assert {order["id"] for order in api_list["items"]} == mine and api_list["total"] == 3
    assert {order["id"] for order in rival_list["items"]} == {ids["theirs"]}
    # Staff still see every order of the company, drafts included.
    staff_list = shop.api(shop.world.users["sales"]).get("/api/v1/orders?per_page=100").get_json()
    assert {order["id"] for order in staff_list["items"]} == set(ids.values())


def test_a_draft_made_by_staff_is_not_found_for_the_customer_even_one_sent_back_by_review(shop):
    portal, api = shop.portal(shop.buyer), shop.api(shop.buyer)
    for hidden in ("staff_draft", "sent_back", "theirs"):
        order_id = shop.orders[hidden]
        for path in (f"/api/v1/orders/{order_id}", f"/api/v1/orders/{order_id}/timeline",
                     f"/api/v1/orders/{order_id}/documents/confirmation", f"/api/v1/orders/{order_id}/shipments"):
            assert api.get(path).status_code == 404, (hidden, path)
        assert portal.get(f"/orders/{order_id}").status_code == 404, hidden
        assert portal.get(f"/orders/{order_id}/documents/confirmation").status_code == 404, hidden
        assert api.patch(f"/api/v1/orders/{order_id}", json={"notes": "改一下"}).status_code == 404, hidden
    for shown in ("completed", "in_review", "own_draft"):
        assert portal.get(f"/orders/{shop.orders[shown]}").status_code == 200, shown
        assert api.get(f"/api/v1/orders/{shop.orders[shown]}").status_code == 200, shown


def test_the_buyers_own_draft_is_theirs_to_edit_and_nobody_elses(shop):
    own = shop.orders["own_draft"]
    colleague = factories.user(shop.world.company, "customer", username="acme-buyer-2", name="华东 采购二",
                               customer_id=shop.world.customers[0].id)

    edited = shop.api(shop.buyer).patch(f"/api/v1/orders/{own}", json={"notes": "请尽快发货"})

    assert edited.status_code == 200 and edited.get_json()["notes"] == "请尽快发货"
    assert shop.api(colleague).get(f"/api/v1/orders/{own}").status_code == 404  # a draft is its maker's
    assert shop.api(shop.rival).get(f"/api/v1/orders/{own}").status_code == 404
    assert own in listed_ids(shop.portal(shop.world.users["sales"]).get("/orders").get_data(as_text=True))


# --- the timeline ------------------------------------------------------------------------------


def test_the_customer_timeline_has_no_staff_names_notes_or_internal_steps(shop):
    order_id = shop.orders["completed"]
    page = shop.portal(shop.buyer).get(f"/orders/{order_id}").get_data(as_text=True)
    timeline = page.split("<h2>Timeline</h2>", 1)[1]

    for name in staff_names(shop.world):
        assert name not in page, name
    assert CREDIT_NOTE not in page and "Reason:" not in page
    assert not re.search(r"shipment \S+ dispatched", timeline)  # logistics' own note on "Shipped"
    for internal in ("Review opened", "Review step decided", "Edited"):
        assert internal not in timeline, internal
    for shown in ("Entered", "Submitted", "Review decided", "Shipment dispatched", "Shipped", "Shipment signed for",
                  "Signed for", "Invoice issued", "Payment received", "Completed"):
        assert shown in timeline, shown
    assert "Acme 贸易有限公司" in timeline  # what staff and the system did, told as done by the company
    assert "<td>You</td>" in timeline  # the buyer signed for the goods


def test_the_staff_timeline_keeps_every_entry_with_names_and_notes(shop):
    page = shop.portal(shop.world.users["supervisor"]).get(f"/orders/{shop.orders['completed']}")
    timeline = page.get_data(as_text=True).split("<h2>Timeline</h2>", 1)[1]

    assert CREDIT_NOTE in timeline and "Sales User (acme-sales)" in timeline and "Review step decided" in timeline
    assert re.search(r"shipment \S+ dispatched", timeline)
    assert "Customer User (acme-buyer)" in timeline  # staff see the buyer by name, not as "You"


def test_the_api_timeline_for_a_customer_token_is_the_same_filtered_view(shop):
    order_id = shop.orders["completed"]
    entries = shop.flow.ok(shop.api(shop.buyer).get(f"/api/v1/orders/{order_id}/timeline"))
    staff = shop.flow.ok(shop.api(shop.world.users["supervisor"]).get(f"/api/v1/orders/{order_id}/timeline"))
    text = json.dumps(entries, ensure_ascii=False)

    actions = [entry["action"] for entry in entries]
    assert set(actions) == {"created", "submit", "review_decided", "shipment_created", "shipment_dispatched", "ship",
                            "shipment_accepted", "deliver", "invoice_issued", "pay", "invoice_paid", "complete"}
    assert actions == [entry["action"] for entry in staff if entry["action"] in set(actions)]  # the same order
    assert {"review_opened", "review_step_decided"} <= {entry["action"] for entry in staff}
    for name in staff_names(shop.world):
        assert name not in text, name
    assert CREDIT_NOTE not in text and all(entry["note"] is None for entry in entries)
    assert {entry["actor"] for entry in entries} == {"Acme 贸易有限公司", "Customer User (acme-buyer)"}
    by_action = {entry["action"]: entry for entry in entries}
    assert by_action["review_decided"]["after"] == {"status": "approved", "outcome": "approved"}
    assert by_action["shipment_dispatched"]["after"]["carrier"] == "顺丰速运"
    # The customer's default mode is freight: the number sent is its waybill's.
    assert by_action["shipment_dispatched"]["after"]["waybill_number"] == "SF1234567890"
    assert by_action["deliver"]["after"]["signed_by"] == "王海"
    assert by_action["created"]["after"] is None  # when it was entered, not the clerk's snapshot


def test_a_rejection_shows_its_outcome_without_the_reviewers_reason(shop):
    flow = shop.flow
    rejected = flow.submit(flow.create())
    review(flow, rejected, "reject", "客户信用记录不佳，拒绝")

    page = shop.portal(shop.buyer).get(f"/orders/{rejected['id']}").get_data(as_text=True)
    entries = flow.ok(shop.api(shop.buyer).get(f"/api/v1/orders/{rejected['id']}/timeline"))

    assert "客户信用记录不佳" not in page and "客户信用记录不佳" not in json.dumps(entries, ensure_ascii=False)
    decided = next(entry for entry in entries if entry["action"] == "review_decided")
    assert decided["after"] == {"status": "rejected", "outcome": "rejected"}
    assert "Rejected" in page.split("<h2>Timeline</h2>", 1)[1]


def test_a_cancellation_shows_the_reason_the_customer_gave_and_not_the_one_staff_wrote(shop):
    grant(shop.world, "customer", "order.cancel")
    flow = shop.flow
    by_staff = flow.submit(flow.create())
    _cancel_on_the_portal(shop, shop.world.users["sales"], by_staff["id"], "库存不足，内部取消")
    _cancel_on_the_portal(shop, shop.buyer, shop.orders["own_draft"], "不需要了")

    staff_cancelled = shop.portal(shop.buyer).get(f"/orders/{by_staff['id']}").get_data(as_text=True)
    own_cancelled = flow.ok(shop.api(shop.buyer).get(f"/api/v1/orders/{shop.orders['own_draft']}/timeline"))

    assert "库存不足" not in staff_cancelled and "Cancelled" in staff_cancelled
    cancel = next(entry for entry in own_cancelled if entry["action"] == "cancel")
    assert cancel["after"] == {"status": "cancelled", "reason": "不需要了"}
    assert cancel["actor"] == "Customer User (acme-buyer)"


def _cancel_on_the_portal(shop: Shop, user: User, order_id: int, reason: str) -> None:
    response = shop.portal(user).post(f"/orders/{order_id}/cancel", data={"reason": reason, "confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_colleague_of_the_buyer_is_named_and_their_notes_shown(shop):
    colleague = factories.user(shop.world.company, "customer", username="acme-buyer-2", name="华东 采购二",
                               customer_id=shop.world.customers[0].id)
    flow = shop.flow
    order = flow.submit(flow.create())
    flow.approve_review(order)
    shipment = ship(flow, order)
    flow.ok(shop.api(colleague).post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                     json={"signed_by": "李强", "reservations": "外箱破损一件"}))

    entries = flow.ok(shop.api(shop.buyer).get(f"/api/v1/orders/{order['id']}/timeline"))
    page = shop.portal(shop.buyer).get(f"/orders/{order['id']}").get_data(as_text=True)

    accepted = next(entry for entry in entries if entry["action"] == "shipment_accepted")
    assert accepted["actor"] == "华东 采购二 (acme-buyer-2)"
    assert accepted["after"]["reservations"] == "外箱破损一件"
    assert "华东 采购二 (acme-buyer-2)" in page.split("<h2>Timeline</h2>", 1)[1]


# --- the order page's panels -------------------------------------------------------------------


def test_the_customer_order_page_has_no_internal_panel_whatever_their_role_may(shop):
    grant(shop.world, "customer", "review.view", "billing.view")
    order_id = shop.orders["completed"]

    page = shop.portal(shop.buyer).get(f"/orders/{order_id}").get_data(as_text=True)
    finance = shop.portal(shop.world.users["finance"]).get(f"/orders/{order_id}").get_data(as_text=True)

    assert "<h2>Review</h2>" not in page and "<h2>Invoice and payments</h2>" not in page
    assert "<h2>Shipments</h2>" in page and "顺丰速运" in page and "SF1234567890" in page
    assert "<h2>Review</h2>" in finance and "<h2>Invoice and payments</h2>" in finance


# --- documents ---------------------------------------------------------------------------------


KINDS = ("confirmation", "delivery_note", "invoice")


def test_the_customer_downloads_the_confirmation_delivery_note_and_invoice_of_their_own_order(shop, tmp_path):
    order_id = shop.orders["completed"]
    portal, api = shop.portal(shop.buyer), shop.api(shop.buyer)

    page = portal.get(f"/orders/{order_id}").get_data(as_text=True)

    for kind in KINDS:
        assert f'href="/orders/{order_id}/documents/{kind}"' in page, kind
        for client, path in ((portal, f"/orders/{order_id}/documents/{kind}"),
                             (api, f"/api/v1/orders/{order_id}/documents/{kind}")):
            response = client.get(path)
            assert response.status_code == 200 and response.mimetype == "application/pdf", (path, response.status)
        text = pdf_text(response.data, tmp_path)
        assert "上海华东机电有限公司" in text, kind
        for name in staff_names(shop.world):
            assert name not in text, (kind, name)
        assert CREDIT_NOTE not in text, kind


def test_another_customers_documents_are_not_found(shop):
    theirs = shop.orders["theirs"]
    portal, api = shop.portal(shop.buyer), shop.api(shop.buyer)

    for kind in KINDS:
        assert shop.api(shop.rival).get(f"/api/v1/orders/{theirs}/documents/{kind}").status_code == 200, kind
        assert portal.get(f"/orders/{theirs}/documents/{kind}").status_code == 404, kind
        assert api.get(f"/api/v1/orders/{theirs}/documents/{kind}").status_code == 404, kind


def test_staff_still_need_the_documents_permission(shop):
    production = shop.api(shop.world.users["production"])

    refused = production.get(f"/api/v1/orders/{shop.orders['completed']}/documents/invoice")

    assert refused.status_code == 403 and refused.get_json()["permissions"] == ["billing.view"]


# --- what plugins list for a customer -----------------------------------------------------------


def test_plugins_list_a_customer_only_their_own_customers_rows(shop):
    grant(shop.world, "customer", "billing.view", "logistics.view")
    flow = shop.flow
    for customer in shop.world.customers:  # a shipment waiting for each customer's sign-off
        order = flow.submit(flow.create(customer=customer))
        flow.approve_review(order)
        ship(flow, order)

    invoices = shop.api(shop.buyer).get("/api/v1/invoices").get_json()
    shipments = shop.portal(shop.buyer).get("/shipments").get_data(as_text=True)
    tasks = shop.api(shop.buyer).get("/api/v1/tasks").get_json()["items"]

    assert {invoice["order_id"] for invoice in invoices["items"]} == {shop.orders["completed"]}
    assert "北京燕山化工股份公司" not in shipments and "上海华东机电有限公司" in shipments
    signing = [task for task in tasks if task["kind"] == "logistics.accept"]
    assert len(signing) == 1
    mine = {order["id"] for order in shop.api(shop.buyer).get("/api/v1/orders").get_json()["items"]}
    assert all(int(task["url"].rsplit("/", 1)[1]) in mine for task in signing)
