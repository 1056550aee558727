"""The logistics services: execution gates, validation and who may sign, without HTTP in between."""
from __future__ import annotations

import pytest
from sqlalchemy import func, or_, select

from core.db import commit
from core.documents import render_due
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.models import AuditEntry, Order, OrderStatus, StoredDocument, utcnow
from core.modules import hooks_for_order, modules_in_use, set_enabled
from core.plugins import registry
from plugins.logistics.shipments import services
from plugins.logistics.shipments.models import Shipment, ShipmentStatus
from tests import factories
from tests.factories import reload
from tests.plugins.logistics.gate_plugin import PREPAYMENT_REASON
from tests.plugins.logistics.orders import submitted_order


def test_hook_execution_gates(gated_app):
    """Another plugin's blocked gate holds the order out of execution, and logistics says why."""
    world = factories.build_world(gated_app)
    order = submitted_order(world)

    gates = [gate for contribution in hooks_for_order(order).execution_gates(order=order) for gate in contribution]

    assert {(gate.name, gate.blocked) for gate in gates} == {("prepayment", True), ("credit", False)}
    assert [gate.reason for gate in services.blocking_gates(order)] == [PREPAYMENT_REASON]
    with pytest.raises(Conflict, match=PREPAYMENT_REASON):
        services.create_shipment(order, world.users["logistics"])


def test_hook_execution_holds(gated_app):
    """The gates' set form: the orders another plugin holds back are left out of the orders to ship, and of
    their count, in the query itself; the orders it is not pinned on are not held."""
    world = factories.build_world(gated_app)
    held = submitted_order(world)
    set_enabled(world.company, "test_gate", False, actor=None)
    free = submitted_order(world)  # submitted with the gate's plugin off: not pinned on it
    commit()
    logistics = world.users["logistics"]

    with gated_app.test_request_context():
        conditions = [c for contribution in registry().hooks_for(modules_in_use(world.company.id)).execution_holds()
                      for c in contribution]
        held_ids = set(db.session.execute(select(Order.id).where(or_(*conditions))).scalars())
        counted = services.count_work(logistics, utcnow(), world.company.zone, ship=True, accept=False)
        assert held_ids == {held.id}
        assert [bool(services.blocking_gates(order)) for order in (held, free)] == [True, False]
        assert services.orders_to_ship(logistics) == [free]
        assert counted.to_ship == (1, 0)


def test_without_gates_nothing_holds_an_approved_order(app, world):
    order = submitted_order(world)
    assert services.blocking_gates(order) == []
    assert services.orders_to_ship(world.users["logistics"]) == [order]


def test_the_shipment_takes_the_orders_number_and_delivery_method(app, world):
    order = submitted_order(world)
    shipment = services.create_shipment(order, world.users["logistics"], carrier="", tracking_number=None)

    assert shipment.number == f"{order.number}-S1"
    assert shipment.delivery_method == order.delivery_method
    assert (shipment.carrier, shipment.status) == (None, ShipmentStatus.PREPARED)
    assert shipment.created_by_id == world.users["logistics"].id
    assert services.open_shipment(order) is shipment


def test_the_papers_that_go_with_a_dispatched_shipment_are_rendered_by_the_worker_not_by_the_dispatch(
        app, world, monkeypatch):
    order = submitted_order(world)
    shipment = services.create_shipment(order, world.users["logistics"])
    renderer = app.extensions["ordo.pdf"]
    render = renderer.render
    rendered: list[str] = []
    monkeypatch.setattr(renderer, "render", lambda template, **context: rendered.append(template) or render(
        template, **context))

    services.dispatch(shipment, world.users["logistics"])
    commit()
    assert rendered == []
    assert render_due(utcnow()) == 2
    commit()

    assert sorted(rendered) == ["certificate.html", "delivery_note.html"]
    stored = db.session.execute(select(StoredDocument.kind, StoredDocument.entity, StoredDocument.entity_id)
                                .where(StoredDocument.order_id == order.id)).all()
    assert sorted(stored) == [("certificate", "shipment", shipment.id), ("delivery_note", "shipment", shipment.id)]
    note = factories.portal_login(app, world.users["customer"]).get(
        f"/orders/{order.id}/documents/delivery_note")
    assert note.status_code == 200 and len(rendered) == 2  # the customer's copy, served from storage


def test_a_rating_must_be_a_whole_number_from_one_to_five(app, world):
    order = submitted_order(world)
    shipment = services.create_shipment(order, world.users["logistics"])
    services.dispatch(shipment, world.users["logistics"])

    for rating in (0, 6, True, "3"):
        with pytest.raises(ValidationError) as refused:
            services.record_acceptance(shipment, world.users["customer"], signed_by="王建国", rating=rating)
        assert refused.value.field == "rating"
    with pytest.raises(ValidationError) as refused:
        services.record_acceptance(shipment, world.users["customer"], signed_by="王建国", reservations="x" * 2001)
    assert refused.value.field == "reservations"

    services.record_acceptance(shipment, world.users["customer"], signed_by=" 王建国 ", reservations="  ", rating=1)
    assert (shipment.signed_by, shipment.reservations, shipment.rating) == ("王建国", None, 1)
    assert reload(order).status == OrderStatus.COMPLETED


def test_only_the_orders_own_customer_signs_and_only_logistics_ships(app, world):
    order = submitted_order(world, customer=1)
    with pytest.raises(PermissionDenied):
        services.create_shipment(order, world.users["sales"])
    shipment = services.create_shipment(order, world.users["logistics"])
    services.dispatch(shipment, world.users["logistics"])

    with pytest.raises(NotFound):
        services.record_acceptance(shipment, world.users["customer"], signed_by="王建国")
    assert shipment.status == ShipmentStatus.DISPATCHED

    rival = factories.build_world(app, code="XYZ")
    with pytest.raises(NotFound):
        services.get_shipment(rival.users["logistics"], shipment.id)
    assert services.get_shipment(world.users["logistics"], shipment.id) is shipment


def test_two_people_recording_the_same_sign_off_leave_exactly_one(app, world):
    order = submitted_order(world)
    shipment = services.create_shipment(order, world.users["logistics"])
    services.dispatch(shipment, world.users["logistics"])
    commit()
    shipment_id = shipment.id
    late = services.get_shipment(world.users["customer_service"], shipment_id)
    assert (late.status, late.order.status) == (ShipmentStatus.DISPATCHED, OrderStatus.SHIPPED)

    with app.app_context():  # the customer, in another session, signs first
        first = db.session.get(Shipment, shipment_id)
        services.record_acceptance(first, db.session.merge(world.users["customer"]), signed_by="王建国", rating=5)
        commit()
    with pytest.raises(Conflict, match="changed by someone else"):
        services.record_acceptance(late, world.users["customer_service"], signed_by="李四", rating=1)

    db.session.rollback()
    signed = db.session.get(Shipment, shipment_id)
    assert (signed.signed_by, signed.rating) == ("王建国", 5)
    deliveries = db.session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "deliver")).scalar_one()
    assert deliveries == 1
