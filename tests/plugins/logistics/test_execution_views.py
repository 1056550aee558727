"""Portal pages of execution plans: the plan with its timeline, my tasks with time left, the templates."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.db import commit
from core.extensions import db
from core.models import OrderStatus
from plugins.logistics.execution import services
from plugins.logistics.execution.models import ExecutionTask, ExecutionTemplate, PlanStatus, TaskStatus
from plugins.logistics.execution.views import MY_TASKS
from tests.clones import clone_order
from tests import factories, orders
from tests.plugins.logistics import execution


def planned(world, **kwargs):
    execution.template(world)
    order = orders.submitted(world, **kwargs)
    commit()
    return order, services.plan_of(order)


def chart_data(html: str, key: str) -> dict:
    found = re.search(rf'<script type="application/json" id="chart-{key}-data">(.*?)</script>', html, re.S)
    assert found, html
    return json.loads(found.group(1))


def test_the_plan_page_draws_its_timeline_with_the_table_beside_it(app, world):
    order, plan = planned(world)
    page = factories.portal_login(app, world.users["production"]).get(f"/orders/{order.id}/execution")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    data = chart_data(html, "plan-timeline")
    assert data["kind"] == "range" and data["categories"] == ["备料", "生产", "质检", "包装", "发货"]
    starts, ends = (list(map(float, series["values"])) for series in data["series"])
    assert all(start < end <= 0 for start, end in zip(starts, ends, strict=True))  # all before the promised date
    assert ends[-1] == 0.0 and starts[1] == ends[0]  # dispatch due at the deadline; production after material
    assert 'class="list chart-table"' in html  # the chart's own table
    assert "Confirm the plan" in html and "Re-plan" in html


def test_a_late_plan_is_flagged_on_its_page_and_the_order_page(app, world):
    order, plan = planned(world, requested_date=world.company.today() + timedelta(days=1))
    planner = factories.portal_login(app, world.users["production"])

    html = planner.get(f"/orders/{order.id}/execution").get_data(as_text=True)
    assert "cannot finish by the promised date" in html and "Working from now it can meet" in html
    assert "I accept that this plan misses the promised date" in html
    order_page = planner.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Execution plan" in order_page and "cannot meet the promised date" in order_page
    assert "Confirm the execution plan" in order_page  # the planner's main action

    refused = planner.post(f"/orders/{order.id}/execution/confirm", data={}, follow_redirects=True)
    assert "confirm that you accept it" in refused.get_data(as_text=True)
    assert services.plan_of(order).status == PlanStatus.DRAFT
    planner.post(f"/orders/{order.id}/execution/confirm", data={"accept_late": "y"})
    db.session.expire_all()
    assert services.plan_of(order).status == PlanStatus.CONFIRMED


def test_the_people_responsible_start_and_complete_their_tasks_on_the_page(app, world):
    order, plan = planned(world)
    services.confirm_plan(plan, world.users["production"])
    commit()
    material, make = plan.tasks[:2]
    worker = factories.portal_login(app, world.users["production"])

    worker.post(f"/execution/tasks/{material.id}/complete",
                data={f"done{material.id}-note": "钢材到货", f"done{material.id}-quantity_done": "10"})
    started = worker.post(f"/execution/tasks/{make.id}/start", follow_redirects=True)

    assert "生产 is started." in started.get_data(as_text=True)
    db.session.expire_all()
    assert services.plan_of(order).tasks[0].status == TaskStatus.DONE
    assert db.session.get(type(order), order.id).status == OrderStatus.IN_PRODUCTION
    stranger = factories.portal_login(app, world.users["sales"])
    page = stranger.post(f"/execution/tasks/{make.id}/complete", data={}, follow_redirects=True)
    assert "生产 is not yours" in page.get_data(as_text=True)
    db.session.expire_all()
    assert services.plan_of(order).tasks[1].status == TaskStatus.STARTED


def test_the_planner_re_plans_a_task_in_the_company_s_time(app, world):
    order, plan = planned(world)
    pack = plan.tasks[3]
    planner = factories.portal_login(app, world.users["production"])
    due = (plan.deadline - timedelta(days=1)).astimezone(world.company.zone).replace(tzinfo=None)

    planner.post(f"/execution/tasks/{pack.id}/adjust", data={
        f"task{pack.id}-assignee_id": str(world.users["customer_service"].id),
        f"task{pack.id}-due_at": due.strftime("%Y-%m-%dT%H:%M"),
        f"task{pack.id}-depends_on": [str(plan.tasks[1].id)]})

    db.session.expire_all()
    pack = services.plan_of(order).tasks[3]
    assert pack.assignee_id == world.users["customer_service"].id
    assert pack.due_at.astimezone(world.company.zone).replace(tzinfo=None) == due
    assert [task.name for task in pack.depends_on] == ["生产"]


def test_my_tasks_lists_mine_with_the_time_left(app, world):
    order, plan = planned(world)
    page = factories.portal_login(app, world.users["logistics"]).get("/my-tasks")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "包装" in html and "发货" in html and "备料" not in html  # production's, not mine
    assert html.count('class="time-left') == 2
    assert factories.portal_login(app, world.users["supervisor"]).get("/my-tasks").status_code == 403
    csv = factories.portal_login(app, world.users["logistics"]).get("/my-tasks?format=csv").get_data(as_text=True)
    assert "包装" in csv


def test_sqlite_counts_my_tasks_off_my_own_tasks_not_every_order(app, world):
    """With many orders whose tasks fall to a few people, the list's count starts from the person's tasks
    (their index), not from every order of the company: SQLite's averages make one person look like many."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's statistics see the assignee's share")
    order, _plan = planned(world)
    clone_order(order.id, 300, [ExecutionTask])
    commit()
    db.session.execute(text("ANALYZE"))
    counted = select(func.count()).select_from(MY_TASKS.source(world.users["logistics"]).limit(1001).subquery())
    compiled = counted.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    plan = " ".join(row[3] for row in db.session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params[name] for name in compiled.positiontup or ())))
    assert "SEARCH logistics_task USING INDEX ix_logistics_task_assignee" in plan, plan
    assert "SCAN order" not in plan, plan


def test_an_administrator_edits_a_template_without_scripts(app, world):
    admin = factories.portal_login(app, world.users["administrator"])
    assert admin.get("/execution-templates/new").status_code == 200
    row = {"lines-0-key": "cut", "lines-0-name": "下料", "lines-0-kind": "preparation", "lines-0-role": "production",
           "lines-0-user_id": "", "lines-0-hours": "4", "lines-0-depends_on": ""}
    form = {"code": "VALVE", "name": "阀门", "active": "y", "product": "", "product-text": "P001", **row}

    added = admin.post("/execution-templates/new", data={**form, "add_product": "1"}).get_data(as_text=True)
    assert 'name="product_ids" value="%s"' % world.products[0].id in added  # typed and resolved, without scripts
    more = admin.post("/execution-templates/new", data={**form, "add_line": "1"}).get_data(as_text=True)
    assert 'name="lines-1-key"' in more

    looped = admin.post("/execution-templates/new", data={
        **form, "product_ids": str(world.products[0].id), "lines-0-depends_on": "make",
        "lines-1-key": "make", "lines-1-name": "生产", "lines-1-kind": "production", "lines-1-role": "production",
        "lines-1-hours": "8", "lines-1-depends_on": "cut"}).get_data(as_text=True)
    assert "the tasks wait for each other in a loop: 下料 → 生产 → 下料" in looped
    assert db.session.execute(select(ExecutionTemplate)).first() is None

    saved = admin.post("/execution-templates/new", data={
        **form, "product_ids": str(world.products[0].id), "lines-1-key": "make", "lines-1-name": "生产",
        "lines-1-kind": "production", "lines-1-role": "production", "lines-1-hours": "8",
        "lines-1-depends_on": "cut"})
    assert saved.status_code == 302
    template = db.session.execute(select(ExecutionTemplate)).scalar_one()
    assert [(task.key, task.depends_on) for task in template.tasks] == [("cut", []), ("make", ["cut"])]
    assert [row.product_id for row in template.product_rows] == [world.products[0].id]
    listed = admin.get("/execution-templates").get_data(as_text=True)
    assert "VALVE" in listed and "阀门" in listed
    edit = admin.get(f"/execution-templates/{template.id}").get_data(as_text=True)
    assert 'value="make"' in edit and 'value="cut"' in edit
