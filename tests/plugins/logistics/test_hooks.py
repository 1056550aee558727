"""What logistics contributes through hooks (permissions, menu, inbox tasks, order panel, delivery note),
and the shipped and delivered events its shipments fire."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from core.companies import all_permissions
from core.db import commit
from core.documents import document_kinds, stored_document
from core.errors import Conflict
from core.extensions import db
from core.models import StoredDocument


from core.models import DeliveryMethod, OrderStatus, utcnow
from core.modules import hooks_for_company, hooks_for_order, set_enabled
from core.portal import navigation
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.logistics import hooks
from plugins.logistics.shipments import services
from plugins.logistics.manifest import MANIFEST as LOGISTICS
from plugins.logistics.shipments.models import Shipment
from tests import factories, witness
from tests.clones import clone_order
from tests.flows import Flow
from tests.inbox_answers import answer, check_counts_agree
from tests.factories import ApiClient, portal_login, reload
from tests.plugins.logistics.gate_plugin import PREPAYMENT_REASON
from tests.plugins.logistics.orders import submitted_order


def _tasks(app, user) -> list[tuple[str, str]]:
    return [(t["kind"], t["title"]) for t in ApiClient(app, user).get("/api/v1/tasks").get_json()["items"]
            if t["kind"].startswith("logistics.")]


def _panel_html(app, order, user) -> str:
    """The shipments panel as the order page renders it: the panel's template with its context."""
    with app.test_request_context():
        panels = [p for contribution in hooks_for_order(order).order_panels(order=order, user=user)
                  for p in contribution if p.template == "logistics/order_panel.html"]
        if not panels:
            return ""
        (panel,) = panels
        page = {"actor": user, "user": user, "order": order}
        return Markup(current_app.jinja_env.get_template(panel.template).render({**page, **panel.context}))


def test_roles_get_the_logistics_permissions_by_default(world):
    users = world.users
    assert users["logistics"].can("logistics.ship") and users["logistics"].can("logistics.accept")
    assert users["production"].can("logistics.view") and not users["production"].can("logistics.ship")
    assert users["customer"].can("logistics.accept") and not users["customer"].can("logistics.ship")
    assert not users["customer"].can("logistics.view")
    assert not users["finance"].can("logistics.view")


def test_the_shipments_menu_shows_to_those_who_may_see_shipments(app, world):
    with app.test_request_context():
        assert "logistics.shipments" in [i.endpoint for i in navigation(world.users["production"])]
        assert "logistics.shipments" not in [i.endpoint for i in navigation(world.users["customer"])]


def test_the_inbox_walks_an_order_from_shipping_to_sign_off(app, world):
    order = submitted_order(world)
    other_customers = submitted_order(world, customer=1)
    logistics, customer = world.users["logistics"], world.users["customer"]

    assert ("logistics.ship", f"Ship order {order.number}") in _tasks(app, logistics)
    assert ("logistics.ship", f"Ship order {other_customers.number}") in _tasks(app, logistics)
    assert _tasks(app, world.users["sales"]) == []

    api = ApiClient(app, logistics)
    shipment = api.post(f"/api/v1/orders/{order.id}/shipments").get_json()
    assert ("logistics.dispatch", f"Dispatch shipment {shipment['number']}") in _tasks(app, logistics)
    assert ("logistics.ship", f"Ship order {order.number}") not in _tasks(app, logistics)

    api.post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    other = api.post(f"/api/v1/orders/{other_customers.id}/shipments").get_json()
    api.post(f"/api/v1/shipments/{other['id']}/dispatch")
    sign_off = ("logistics.accept", f"Record the sign-off of shipment {shipment['number']}")
    assert _tasks(app, customer) == [sign_off]  # not the other customer's shipment
    assert sign_off in _tasks(app, world.users["customer_service"])

    ApiClient(app, customer).post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={"signed_by": "王建国"})
    assert _tasks(app, customer) == []
    # The hook itself, as the core's inbox calls it: only the other order's sign-off remains.
    with app.test_request_context():
        contributed = [task.title for contribution in hooks_for_company(world.company.id).inbox_tasks(
            user=world.users["customer_service"], limit=None) for task in contribution]
    assert contributed == [f"Record the sign-off of shipment {other['number']}"]


def test_hook_inbox_count(app, world):
    """Orders to ship, shipments to dispatch, sign-offs to record: counted as listed, those whose day to leave
    has begun late; 10 tasks or 1,000, the same statements."""
    to_ship = submitted_order(world)
    to_dispatch = submitted_order(world)
    services.create_shipment(to_dispatch, world.users["logistics"])
    to_accept = submitted_order(world)
    services.dispatch(services.create_shipment(to_accept, world.users["logistics"]), world.users["logistics"])
    commit()
    now = utcnow()
    today = now.astimezone(world.company.zone).date()
    # Every fourth order should have left yesterday; the others leave today (late since midnight) or later.
    leaving = {"order": lambda n, row: {**row, "promised_date": today + timedelta(days=n % 4 - 1)}}
    logistics = world.users["logistics"].id

    def grow(copies: int) -> None:
        clone_order(to_ship.id, copies, vary=leaving)
        clone_order(to_dispatch.id, copies, [Shipment], vary=leaving)
        clone_order(to_accept.id, copies, [Shipment], vary=leaving)
        commit()

    grow(2)
    small = answer(app, hooks, logistics, now)
    grow(330)
    large = answer(app, hooks, logistics, now)

    assert {kind: count.total for kind, count in small.counts.items() if count.total} == {
        "logistics.ship": 3, "logistics.dispatch": 3, "logistics.accept": 3}
    assert {kind: count.total for kind, count in large.counts.items() if count.total} == {
        "logistics.ship": 333, "logistics.dispatch": 333, "logistics.accept": 333}
    # Late, the day to leave begun (n % 4 is 0 or 1): 2 of the first 2 copies, 166 of the next 330; no sign-off.
    assert [large.counts[kind].late for kind in ("logistics.ship", "logistics.dispatch", "logistics.accept")] == [
        2 + 166, 2 + 166, 0]
    check_counts_agree(small, now)
    check_counts_agree(large, now)
    assert small.costs == large.costs, (small.costs, large.costs)
    customer = answer(app, hooks, world.users["customer"].id, now)  # the customer signs for their own only
    assert {kind: count.total for kind, count in customer.counts.items() if count.total} == {"logistics.accept": 333}


def test_the_inbox_links_each_task_to_the_order_page(app, world):
    order = submitted_order(world)
    (task,) = [t for t in ApiClient(app, world.users["logistics"]).get("/api/v1/tasks").get_json()["items"]
               if t["kind"] == "logistics.ship"]
    assert task["url"].endswith(f"/orders/{order.id}")
    assert task["order_number"] == order.number
    assert task["due_at"] is not None and task["late"] is False


def test_the_order_panel_offers_each_user_only_what_they_may_do(app, world):
    order = submitted_order(world)

    for_logistics = _panel_html(app, order, world.users["logistics"])
    assert f'href="/orders/{order.id}/shipments/new"' in for_logistics
    assert _panel_html(app, order, world.users["production"]) == ""  # nothing shipped, nothing to do
    assert _panel_html(app, order, world.users["customer"]) == ""

    shipment = ApiClient(app, world.users["logistics"]).post(
        f"/api/v1/orders/{order.id}/shipments", json={"carrier": "顺丰速运"}).get_json()
    order = reload(order)
    for_logistics = _panel_html(app, order, world.users["logistics"])
    assert shipment["number"] in for_logistics and "顺丰速运" in for_logistics
    assert f'href="/shipments/{shipment["id"]}#check"' in for_logistics
    assert f'href="/orders/{order.id}/shipments/new"' not in for_logistics
    for_production = _panel_html(app, order, world.users["production"])
    assert shipment["number"] in for_production and "<form" not in for_production

    ApiClient(app, world.users["logistics"]).post(f"/api/v1/shipments/{shipment['id']}/dispatch")
    order = reload(order)
    for_customer = _panel_html(app, order, world.users["customer"])
    assert f'action="/shipments/{shipment["id"]}/acceptance"' in for_customer
    assert 'name="signed_by"' in for_customer and 'name="rating"' in for_customer
    assert f'href="/shipments/{shipment["id"]}#acceptance"' in for_customer
    assert f"/shipments/{shipment['id']}#check" not in for_customer

    ApiClient(app, world.users["customer"]).post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                 json={"signed_by": "王建国", "reservations": "包装破损",
                                                       "rating": 3})
    done = _panel_html(app, reload(order), world.users["customer"])
    assert "王建国" in done and "包装破损" in done and "3 / 5" in done and "<form" not in done


def test_the_order_panel_says_why_an_order_cannot_be_shipped(gated_app):
    world = factories.build_world(gated_app)
    order = submitted_order(world)
    html = _panel_html(gated_app, order, world.users["logistics"])
    assert PREPAYMENT_REASON in html
    assert "<form" not in html


def test_the_delivery_note_embeds_the_chinese_font_and_shows_no_prices(app, world, tmp_path: Path):
    order = submitted_order(world)
    api = ApiClient(app, world.users["logistics"])
    shipment = api.post(f"/api/v1/orders/{order.id}/shipments",
                        json={"carrier": "顺丰速运", "tracking_number": "SF1234567890"}).get_json()

    response = api.get(f"/api/v1/orders/{order.id}/documents/delivery_note")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = tmp_path / "delivery_note.pdf"
    pdf.write_bytes(response.data)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    # WeasyPrint names the subset "XXXXXX+Noto-Sans-CJK-SC"; other tools write "NotoSansCJKsc".
    cjk = [line.split() for line in fonts.splitlines() if "NotoSansCJK" in line.split(" ")[0].replace("-", "")]
    assert cjk, fonts
    # Columns: name type [encoding...] emb sub uni object ID; "emb" is the fifth from the end.
    assert all(columns[-5] == "yes" for columns in cjk), fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert shipment["number"] in text and "SF1234567890" in text
    assert "不锈钢阀门 DN50" in text and "上海华东机电有限公司" in text
    assert "120.00" not in text and "8.50" not in text  # quantities only, never prices


def test_dispatching_the_shipment_makes_a_new_version_of_its_delivery_note(app, world):
    order = submitted_order(world)
    api = ApiClient(app, world.users["logistics"])
    shipment = api.post(f"/api/v1/orders/{order.id}/shipments").get_json()
    prepared = stored_document(reload(order), "delivery_note", world.users["logistics"])

    dispatched = api.post(f"/api/v1/shipments/{shipment['id']}/dispatch",
                          json={"carrier": "顺丰速运", "tracking_number": "SF1234567890"})
    on_its_way = stored_document(reload(order), "delivery_note", world.users["logistics"])

    assert dispatched.status_code == 200, dispatched.get_json()
    assert on_its_way.version != prepared.version and on_its_way.content != prepared.content
    rows = db.session.execute(select(StoredDocument).where(StoredDocument.order_id == order.id)
                              .order_by(StoredDocument.id)).scalars().all()
    assert [(row.entity, row.entity_id) for row in rows] == [("shipment", shipment["id"])] * 2
    assert [row.content for row in rows] == [prepared.content, on_its_way.content]


def test_no_delivery_note_before_there_is_a_shipment(app, world):
    order = submitted_order(world)
    response = ApiClient(app, world.users["logistics"]).get(f"/api/v1/orders/{order.id}/documents/delivery_note")
    assert response.status_code == 404
    assert order.number in response.get_json()["detail"]
    page = portal_login(app, world.users["logistics"]).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "documents/delivery_note" not in page and "documents/confirmation" in page


def test_with_logistics_switched_off_new_orders_are_marked_delivered_by_hand(app, world):
    set_enabled(world.company, "logistics", False, actor=world.users["administrator"])
    commit()
    order = submitted_order(world)
    logistics = world.users["logistics"]

    assert {"logistics.view", "logistics.ship", "logistics.accept"} <= {p.name for p in all_permissions()}
    assert "delivery_note" not in document_kinds(order)
    assert [kind for kind, _ in _tasks(app, logistics)] == []
    assert ApiClient(app, logistics).post(f"/api/v1/orders/{order.id}/shipments").status_code == 404
    with pytest.raises(Conflict, match="mark it delivered"):
        services.create_shipment(order, logistics)


def _dispatched(flow: Flow, order: dict) -> dict:
    """Prepare the order's shipment and hand it to the carrier, as logistics does through the API."""
    shipment = flow.ok(flow.api["logistics"].post(f"/api/v1/orders/{order['id']}/shipments",
                                                  json={"carrier": "顺丰速运", "tracking_number": "SF1"}), 201)
    assert witness.events(order["id"], "shipped") == []  # prepared is not shipped yet
    return flow.ok(flow.api["logistics"].post(f"/api/v1/shipments/{shipment['id']}/dispatch"))


def test_hook_shipped(make_app):
    """Listeners get the order in status shipped when its shipment is dispatched, and only then."""
    app = witness.watching(make_app, INTAKE, LOGISTICS)  # review absent: approved at submission
    with app.app_context():
        flow = Flow(app, factories.build_world(app))
        order = flow.submit(flow.create())
        _dispatched(flow, order)

    [shipped] = witness.events(order["id"], "shipped")
    assert shipped.status == OrderStatus.SHIPPED and shipped.payload == {}
    assert [event.hook for event in witness.events(order["id"])] == ["order_submitted", "review_decided", "shipped"]


def test_hook_delivered(make_app):
    """Listeners get the order in status delivered with who signed, when, any reservations and the shipment;
    through the core's "mark delivered" when logistics is off, without a shipment."""
    app = witness.watching(make_app, INTAKE, LOGISTICS)  # billing absent: the core completes it afterwards
    with app.app_context():
        flow = Flow(app, factories.build_world(app))
        order = flow.submit(flow.create())
        shipment = _dispatched(flow, order)
        accepted = flow.ok(flow.api["customer_service"].post(
            f"/api/v1/shipments/{shipment['id']}/acceptance",
            json={"signed_by": "王海", "reservations": "外箱一角破损", "rating": 4}))
        by_hand = Flow(app, factories.build_world(app, "XYZ", modules={"logistics": False}))
        marked = by_hand.submit(by_hand.create())
        by_hand.deliver(marked, logistics=False)

    [signed] = witness.events(order["id"], "delivered")
    assert signed.status == OrderStatus.DELIVERED
    delivery = signed.payload["delivery"]
    assert (delivery.signed_by, delivery.reservations, delivery.shipment_id) == ("王海", "外箱一角破损", shipment["id"])
    assert delivery.signed_at == datetime.fromisoformat(accepted["accepted_at"])
    # What accuracy and satisfaction are measured by: the rating, the lines accepted with reservations or refused.
    assert (delivery.rating, delivery.reserved_lines, delivery.refused_lines) == (4, 1, 0)
    assert [event.hook for event in witness.events(order["id"], "delivered", "order_completed")] == [
        "delivered", "order_completed"]
    # The reservation's case is opened after the delivery, and heard after the completion it queued.
    assert [event.hook for event in witness.events(order["id"])][-1] == "problem_cases_opened"

    [by_core] = witness.events(marked["id"], "delivered")
    assert by_core.status == OrderStatus.DELIVERED
    assert by_core.payload["delivery"].signed_by == "王海" and by_core.payload["delivery"].shipment_id is None
    assert by_core.payload["delivery"].signed_at.tzinfo is not None


def test_sign_offs_to_record_are_listed_waiting_longest_first(app, world):
    """Dispatched shipments since their dispatch, pickups ready since they were prepared, the longest waiting
    first; among 10 or 1,000 of them, the same first page in the same statements."""
    logistics = world.users["logistics"]
    dispatched = submitted_order(world)
    services.dispatch(services.create_shipment(dispatched, logistics), logistics)
    pickup = submitted_order(world, delivery_method=DeliveryMethod.PICKUP)
    services.create_shipment(pickup, logistics)
    commit()
    start = utcnow() - timedelta(days=30)
    # The dispatched copies waited since minute 2n (copy 0 longest), the pickups since minute 2n + 1: interleaved.
    since = {"logistics_shipment": lambda n, row: {**row, "dispatched_at": start + timedelta(minutes=2 * n)}}
    prepared = {"logistics_shipment": lambda n, row: {**row, "created_at": start + timedelta(minutes=2 * n + 1)}}

    def grow(copies: int, after: int) -> None:
        later = {table: (lambda n, row, f=f: f(n + after, row)) for table, f in since.items()}
        clone_order(dispatched.id, copies, [Shipment], vary=later)
        later = {table: (lambda n, row, f=f: f(n + after, row)) for table, f in prepared.items()}
        clone_order(pickup.id, copies, [Shipment], vary=later)
        commit()

    grow(4, 0)  # 10 awaiting: the two made now (waiting least) and four copies of each
    small = answer(app, hooks, logistics.id, utcnow())
    grow(495, 4)  # 1,000: the copies added waited less than the first ones
    large = answer(app, hooks, logistics.id, utcnow())

    def sign_offs(tasks):
        return [task.title for task in tasks if task.kind == "logistics.accept"]

    assert small.counts["logistics.accept"].total == 10 and large.counts["logistics.accept"].total == 1000
    # The eight copies waiting longest lead the page, before the many that waited less and the two made now.
    assert sign_offs(large.page)[:8] == sign_offs(small.page)[:8]
    assert sign_offs(small.page)[8:] == [sign_offs(large.tasks)[-2], sign_offs(large.tasks)[-1]]
    assert small.costs == large.costs, (small.costs, large.costs)
    listed = services.shipments_awaiting_acceptance(logistics, 8)
    waited = [shipment.dispatched_at or shipment.created_at for shipment in listed]
    assert waited == sorted(waited) == [start + timedelta(minutes=minute) for minute in range(8)]
    assert [shipment.delivery_method == DeliveryMethod.PICKUP for shipment in listed] == [False, True] * 4
    # The two made now waited least: last of every sign-off listed.
    everything = services.shipments_awaiting_acceptance(logistics)
    assert len(everything) == 1000 and {s.order_id for s in everything[-2:]} == {dispatched.id, pickup.id}
