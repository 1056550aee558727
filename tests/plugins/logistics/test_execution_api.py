"""The execution API: an order's plan, its milestones started, completed and re-planned, and the templates."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.db import commit
from core.orders import actions
from tests import factories, orders
from tests.plugins.logistics import execution

PROBLEM = "application/problem+json"


@pytest.fixture
def api(app, world):
    return {role: factories.ApiClient(app, user) for role, user in world.users.items()}


def planned(world, **kwargs) -> int:
    execution.template(world)
    order = orders.submitted(world, **kwargs)
    commit()
    return order.id


def refused(response, status: int, *phrases: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    for phrase in phrases:
        assert phrase in problem["detail"], problem
    return problem


def test_the_plan_shows_tasks_dependencies_people_and_times(app, world, api):
    order_id = planned(world)

    plan = api["logistics"].get(f"/api/v1/orders/{order_id}/execution").get_json()

    assert (plan["status"], plan["order_status"], plan["on_time"], plan["can_meet"]) == (
        "draft", "approved", True, None)
    names = {task["id"]: task["name"] for task in plan["tasks"]}
    assert [(task["name"], [names[i] for i in task["depends_on"]]) for task in plan["tasks"]] == [
        ("备料", []), ("生产", ["备料"]), ("质检", ["生产"]), ("包装", ["质检"]), ("发货", ["包装"])]
    make = plan["tasks"][1]
    assert make["assignee"] == {"id": world.users["production"].id, "name": world.users["production"].name}
    assert (make["kind"], make["department"], make["hours"], make["status"]) == ("production", "production",
                                                                                  "16.00", "open")
    assert make["due_at"] < plan["deadline"] and make["latest_start"] < make["due_at"]
    assert "amount" not in str(plan) and "price" not in str(plan)  # a plan carries no amounts


def test_who_reads_a_plan_and_an_order_without_one(app, world, api):
    execution.template(world, code="VALVE", name="阀门", default=False, products=[world.products[0].id])
    order = orders.submitted(world)
    bare = orders.submitted(world, lines=[(world.products[1], "5", None)])  # a seal: no template makes it
    commit()
    customer = factories.ApiClient(app, world.customer_user)
    assert customer.get(f"/api/v1/orders/{order.id}/execution").status_code == 403
    assert api["supervisor"].get(f"/api/v1/orders/{order.id}/execution").status_code == 200
    refused(api["logistics"].get(f"/api/v1/orders/{bare.id}/execution"), 404, "has no execution plan")
    # The order is read with its plan: another company's is not found, nor is an order that does not exist.
    outsider = factories.ApiClient(app, factories.build_world(app, code="XYZ").users["administrator"])
    refused(outsider.get(f"/api/v1/orders/{order.id}/execution"), 404, f"order {order.id} does not exist")
    refused(api["logistics"].get("/api/v1/orders/999999/execution"), 404, "order 999999 does not exist")


def test_the_planner_confirms_a_late_plan_only_when_told_to(app, world, api):
    order_id = planned(world, requested_date=world.company.today() + timedelta(days=1))
    url = f"/api/v1/orders/{order_id}/execution/confirm"

    problem = refused(api["production"].post(url, json={}), 409, "cannot finish by the promised date")
    late = api["logistics"].get(f"/api/v1/orders/{order_id}/execution").get_json()
    assert late["on_time"] is False and late["can_meet"] > late["target_date"]
    assert problem["detail"].endswith("(accept_late)")
    refused(api["logistics"].post(url, json={"accept_late": True}), 403)

    confirmed = api["production"].post(url, json={"accept_late": True}).get_json()
    assert (confirmed["status"], confirmed["accepted_late"]) == ("confirmed", True)
    refused(api["production"].post(url, json={"accept_late": True}), 409, "already confirmed")


def test_working_the_milestones(app, world, api):
    order_id = planned(world)
    plan = api["production"].post(f"/api/v1/orders/{order_id}/execution/confirm", json={}).get_json()
    material, make, check = plan["tasks"][:3]

    refused(api["production"].post(f"/api/v1/milestones/{check['id']}/complete", json={}), 409,
            "质检 waits for 生产 to be done first")
    refused(api["sales"].post(f"/api/v1/milestones/{material['id']}/complete", json={}), 403, "not yours")
    refused(api["production"].post(f"/api/v1/milestones/{material['id']}/complete",
                                   json={"quantity_done": "-1"}), 400)
    refused(api["production"].post(f"/api/v1/milestones/{material['id']}/complete", json={"note": "x" * 2001}), 400)
    assert api["production"].get(f"/api/v1/orders/{order_id}/execution").get_json()["tasks"][0]["status"] == "open"

    done = api["production"].post(f"/api/v1/milestones/{material['id']}/complete",
                                  json={"note": "钢材到货", "quantity_done": "10"}).get_json()
    assert (done["status"], done["note"], done["quantity_done"], done["completed_by"]["name"]) == (
        "done", "钢材到货", "10.000", world.users["production"].name)
    refused(api["production"].post(f"/api/v1/milestones/{material['id']}/complete", json={}), 409, "already done")

    started = api["production"].post(f"/api/v1/milestones/{make['id']}/start", json={}).get_json()
    assert (started["status"], started["order_status"]) == ("started", "in_production")
    refused(api["production"].post(f"/api/v1/milestones/{make['id']}/start", json={}), 409, "already")
    assert api["sales"].get(f"/api/v1/orders/{order_id}").get_json()["status"] == "in_production"

    actions.cancel(orders_of(order_id), actor=world.users["sales"], reason="客户取消")
    commit()
    refused(api["production"].post(f"/api/v1/milestones/{make['id']}/complete", json={}), 409, "Cancelled")
    refused(api["production"].post("/api/v1/milestones/999999/complete", json={}), 404)


def orders_of(order_id: int):
    from core.extensions import db
    from core.models import Order

    return db.session.get(Order, order_id)


def test_the_planner_re_plans_a_milestone_and_a_loop_is_refused_by_name(app, world, api):
    order_id = planned(world)
    plan = api["logistics"].get(f"/api/v1/orders/{order_id}/execution").get_json()
    material, make = plan["tasks"][:2]
    url = f"/api/v1/milestones/{material['id']}"

    refused(api["production"].patch(url, json={"depends_on": [make["id"]]}), 400, "loop", "备料 → 生产 → 备料")
    refused(api["production"].patch(url, json={"due_at": "2030-01-01T08:00:00"}), 400)  # no time zone
    refused(api["logistics"].patch(url, json={"assignee_id": world.users["logistics"].id}), 403)
    moved = api["production"].patch(url, json={"assignee_id": world.users["logistics"].id}).get_json()
    assert moved["assignee"]["id"] == world.users["logistics"].id


def test_templates_are_created_read_changed_and_deleted(app, world, api):
    admin = api["administrator"]
    body = {"code": "VALVE", "name": "阀门", "product_ids": [world.products[0].id], "tasks": execution.STANDARD_TASKS}

    made = admin.post("/api/v1/execution-templates", json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    template = made.get_json()
    assert template["product_ids"] == [world.products[0].id]
    assert [(task["key"], task["hours"], task["depends_on"]) for task in template["tasks"]][:2] == [
        ("material", "8.00", []), ("make", "16.00", ["material"])]
    assert [t["code"] for t in api["production"].get("/api/v1/execution-templates").get_json()] == ["VALVE"]
    refused(api["sales"].get("/api/v1/execution-templates"), 403)
    refused(api["production"].post("/api/v1/execution-templates", json=body), 403)

    changed = admin.patch(f"/api/v1/execution-templates/{template['id']}",
                          json={"name": "阀门（订制）", "tasks": body["tasks"][:2]}).get_json()
    assert changed["name"] == "阀门（订制）" and [task["key"] for task in changed["tasks"]] == ["material", "make"]
    assert admin._call("DELETE", f"/api/v1/execution-templates/{template['id']}").status_code == 204
    refused(admin.get(f"/api/v1/execution-templates/{template['id']}"), 404)


@pytest.mark.parametrize(("change", "phrases"), [
    ({"tasks": [{"key": "a", "name": "A", "role": "production", "hours": "1", "depends_on": ["b"]},
                {"key": "b", "name": "B", "role": "production", "hours": "1", "depends_on": ["a"]}]},
     ("loop", "A → B → A")),
    ({"tasks": [{"key": "a", "name": "A", "role": "production", "hours": "1", "depends_on": ["a"]}]},
     ("cannot wait for itself",)),
    ({"tasks": [{"key": "a", "name": "A", "role": "production", "hours": "1", "depends_on": ["z"]}]},
     ("waits for z",)),
    ({"tasks": [{"key": "a", "name": "A", "role": "welders", "hours": "1"}]}, ("no role welders",)),
    ({"tasks": [{"key": "a", "name": "A", "hours": "1"}]}, ("department or a person",)),
    ({"tasks": [{"key": "a", "name": "A", "role": "production", "hours": "0"}]}, ()),
    ({"tasks": [{"key": "a b", "name": "A", "role": "production", "hours": "1"}]}, ("a key is",)),
    ({"tasks": []}, ()),
])
def test_a_bad_template_is_refused_naming_the_problem(app, world, api, change, phrases):
    body = {"code": "BAD", "name": "坏", "tasks": execution.STANDARD_TASKS, **change}
    refused(api["administrator"].post("/api/v1/execution-templates", json=body), 400, *phrases)
    assert api["administrator"].get("/api/v1/execution-templates").get_json() == []


def test_a_product_belongs_to_one_product_line(app, world, api):
    execution.template(world, code="ONE", products=[world.products[0].id])
    body = {"code": "TWO", "name": "二", "product_ids": [world.products[0].id], "tasks": execution.STANDARD_TASKS}
    refused(api["administrator"].post("/api/v1/execution-templates", json=body), 409, "P001", "ONE")
    refused(api["administrator"].post("/api/v1/execution-templates", json={**body, "code": "ONE"}), 409)
