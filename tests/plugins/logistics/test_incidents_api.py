"""Incidents through the API and the services: recorded on an order or a task, escalated to a manager who sees it in
the inbox, resolved once; bad input is a clear 4xx naming the problem, and nothing is changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.orders import actions
from plugins.logistics.incidents import views as incident_views
from plugins.logistics.incidents.models import Incident
from tests import factories
from tests.plugins.logistics import execution as setup
from tests.plugins.logistics import risk

PROBLEM = "application/problem+json"


@pytest.fixture
def api(app, world):
    setup.template(world)
    return {role: factories.ApiClient(app, user) for role, user in world.users.items()}


def refused(response, status: int, *phrases: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    for phrase in phrases:
        assert phrase in str(problem), problem
    return problem


def incidents() -> int:
    return db.session.execute(select(func.count(Incident.id))).scalar_one()


def test_an_incident_is_recorded_on_a_task_escalated_to_the_superior_and_resolved(app, world, api):
    order = risk.confirmed_order(world)
    make = next(task for task in risk.plan(order).tasks if task.key == "make")
    world.users["production"].superior_id = world.users["manager"].id
    commit()

    made = api["production"].post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "equipment_failure", "delay_hours": "12.5", "description": "注塑机液压故障", "task_id": make.id})
    assert made.status_code == 201, made.get_json()
    incident = made.get_json()
    assert (incident["kind"], incident["delay_hours"], incident["task_id"], incident["status"]) == (
        "equipment_failure", "12.50", make.id, "open")

    escalated = api["production"].post(f"/api/v1/incidents/{incident['id']}/escalate", json={}).get_json()
    assert escalated["escalated_to"] == [world.users["manager"].id]
    inbox = [task.title for task in incident_views.inbox(world.users["manager"], None)]
    assert any("Escalated incident on order" in title and "Equipment failure" in title for title in inbox)
    assert [(c.kind, c.total) for c in incident_views.inbox_counts(world.users["manager"])
            if c.kind == "logistics.incident"] == [("logistics.incident", len(inbox))]
    refused(api["production"].post(f"/api/v1/incidents/{incident['id']}/escalate", json={}), 409,
            "escalated already")

    resolved = api["manager"].post(f"/api/v1/incidents/{incident['id']}/resolve",
                                   json={"resolution": "换了备用机"}).get_json()
    assert (resolved["status"], resolved["resolution"]) == ("resolved", "换了备用机")
    assert not incident_views.inbox(world.users["manager"], None)
    assert [c.total for c in incident_views.inbox_counts(world.users["manager"])
            if c.kind == "logistics.incident"] == [0]
    listed = api["logistics"].get(f"/api/v1/orders/{order.id}/incidents").get_json()
    assert [row["id"] for row in listed] == [incident["id"]]


def test_without_a_superior_an_incident_goes_to_who_takes_escalations(app, world, api):
    order = risk.confirmed_order(world)
    made = api["logistics"].post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "transport_delay", "delay_hours": "0", "description": "承运商改期"}).get_json()
    escalated = api["logistics"].post(f"/api/v1/incidents/{made['id']}/escalate", json={}).get_json()
    managers = {world.users["administrator"].id, world.users["manager"].id}
    assert set(escalated["escalated_to"]) <= managers and world.users["manager"].id in escalated["escalated_to"]


def test_a_negative_delay_is_refused_naming_the_field_and_nothing_is_recorded(app, world, api):
    order = risk.confirmed_order(world)
    problem = refused(api["production"].post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "material_shortage", "delay_hours": "-4", "description": "x"}), 400, "delay_hours", "negative")
    assert problem
    refused(api["production"].post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "flood", "delay_hours": "4", "description": "x"}), 400, "kind")
    assert incidents() == 0


def test_an_incident_on_a_cancelled_order_or_another_companys_is_refused(app, world, api):
    order = risk.confirmed_order(world)
    actions.cancel(order, actor=world.users["sales"], reason="客户取消")
    commit()
    refused(api["production"].post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "other", "delay_hours": "1", "description": "x"}), 409, "cancelled")

    other = factories.build_world(app, code="BETA")
    stranger = factories.ApiClient(app, other.users["production"])
    refused(stranger.post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "other", "delay_hours": "1", "description": "x"}), 404)
    assert incidents() == 0


def test_a_task_of_another_order_is_refused(app, world, api):
    first, second = risk.confirmed_order(world), risk.confirmed_order(world)
    foreign = risk.plan(second).tasks[0].id
    refused(api["production"].post(f"/api/v1/orders/{first.id}/incidents", json={
        "kind": "other", "delay_hours": "1", "description": "x", "task_id": foreign}), 400, "task_id")
    assert incidents() == 0


def test_resolving_twice_is_a_409_and_keeps_the_first_resolution(app, world, api):
    order = risk.confirmed_order(world)
    made = api["production"].post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "quality_problem", "delay_hours": "8", "description": "首检不合格"}).get_json()
    api["production"].post(f"/api/v1/incidents/{made['id']}/resolve", json={"resolution": "返工"})

    refused(api["production"].post(f"/api/v1/incidents/{made['id']}/resolve", json={"resolution": "again"}),
            409, "resolved already")
    refused(api["production"].post(f"/api/v1/incidents/{made['id']}/resolve", json={"resolution": ""}), 400,
            "resolution")
    db.session.expire_all()
    assert db.session.get(Incident, made["id"]).resolution == "返工"


def test_a_customer_sees_neither_incidents_nor_their_api(app, world, api):
    order = risk.confirmed_order(world)
    customer = factories.ApiClient(app, world.customer_user)
    assert customer.get(f"/api/v1/orders/{order.id}/incidents").status_code in (403, 404)
    assert customer.post(f"/api/v1/orders/{order.id}/incidents", json={
        "kind": "other", "delay_hours": "1", "description": "x"}).status_code in (403, 404)
    assert incidents() == 0
