"""What the portal shows of plans outside their page: the inbox's tasks, the order page's panel and action."""
from __future__ import annotations

from core.db import commit
from core.extensions import db
from core.inbox import tasks_for
from core.inbox import PAGE_SIZE
from core.models import User, utcnow
from plugins.logistics.execution import panels, services
from tests import factories, orders
from tests.plugins.logistics import execution


def confirmed_order(world, tasks=None):
    order = orders.submitted(world)
    commit()
    plan = services.plan_of(order)
    services.confirm_plan(plan, world.users["production"], accept_late=True)
    commit()
    return order, plan


def test_each_person_s_open_tasks_wait_in_their_inbox_soonest_first(app, world):
    execution.template(world)
    draft = orders.submitted(world)  # a draft plan: nobody works on it yet, the planner confirms it
    order, plan = confirmed_order(world)
    services.complete_task(plan.tasks[0], plan.tasks[0].assignee)
    commit()

    production = [task for task in tasks_for(world.users["production"]) if task.kind.startswith("logistics.")]
    logistics = [task for task in tasks_for(world.users["logistics"]) if task.kind == "logistics.task"]

    assert [task.title for task in production if task.kind == "logistics.task"] == [
        f"生产 for order {order.number}", f"质检 for order {order.number}"]
    assert [task.title for task in production if task.kind == "logistics.plan"] == [
        f"Confirm the execution plan of order {draft.number}"]
    assert [task.title for task in logistics] == [f"包装 for order {order.number}", f"发货 for order {order.number}"]
    assert logistics[0].due_at == plan.tasks[3].due_at
    assert not [task for task in tasks_for(world.users["finance"]) if task.kind.startswith("logistics.")]


def test_many_tasks_are_counted_as_listed_and_listed_a_page_at_a_time(app, world):
    execution.template(world, execution.tasks_in_a_chain(25))
    confirmed_order(world)
    worker = world.users["production"]
    with app.test_request_context():
        [counted] = [count for count in panels.inbox_counts(worker, utcnow()) if count.kind == "logistics.task"]
        every = [task for task in panels.inbox(worker, None) if task.kind == "logistics.task"]
        first = [task for task in panels.inbox(worker, 10) if task.kind == "logistics.task"]
    assert counted.total == len(every) == 25 and counted.url == "/my-tasks"
    assert first == every[:10]
    assert counted.late == len([task for task in every if task.is_late(utcnow())])


def _inbox_statements(app, code: str, count: int) -> tuple[int, int]:
    world = factories.build_world(app, code)
    execution.template(world, execution.tasks_in_a_chain(count))
    confirmed_order(world)
    db.session.expire_all()
    worker = db.session.get(User, world.users["production"].id)
    _ = worker.permissions  # the user as the request has them: roles loaded at sign-in
    with app.test_request_context():
        with execution.statements() as listing:
            found = panels.inbox(worker, PAGE_SIZE)
        with execution.statements() as counting:
            counts = panels.inbox_counts(worker, utcnow())
    assert len([task for task in found if task.kind == "logistics.task"]) == count
    assert [c.total for c in counts if c.kind == "logistics.task"] == [count]
    return len(listing), len(counting)


def test_the_inbox_reads_a_person_s_tasks_in_as_many_statements_for_30_as_for_3(app):
    assert _inbox_statements(app, "FEW", 3) == _inbox_statements(app, "MANY", 30)


def test_the_order_page_shows_the_plan_and_the_next_task_of_its_person(app, world):
    execution.template(world)
    order, plan = confirmed_order(world)
    page = factories.portal_login(app, world.users["logistics"]).get(f"/orders/{order.id}")
    html = page.get_data(as_text=True)
    assert "Execution plan" in html and "Work on 包装" in html and "Open the plan" in html
    customer = factories.portal_login(app, world.customer_user).get(f"/orders/{order.id}")
    assert "Execution plan" not in customer.get_data(as_text=True)


def test_the_order_page_reads_the_plan_and_the_shipments_once_for_its_actions_and_panels(app, world):
    # The page's actions, the plan's panel, the incidents' panel and the shipments' panel each ask for the plan
    # or the shipments: read once per request (core.session_memo), not once per asker.
    execution.template(world)
    order, _plan = confirmed_order(world)
    portal = factories.portal_login(app, world.users["logistics"])
    with execution.statements() as sent:
        page = portal.get(f"/orders/{order.id}")
    assert page.status_code == 200 and "Execution plan" in page.get_data(as_text=True)
    assert len([s for s in sent if s.startswith("SELECT logistics_plan.id")]) == 1
    assert len([s for s in sent if s.startswith("SELECT logistics_shipment.id")]) == 1
