"""Execution plans: drafted on approval from the templates, confirmed by the planner, worked task by task."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import calendar
from core.contracts import LineChange, OrderChange, TaskCompleted
from core.db import commit
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.models import AuditEntry, OrderStatus, PaymentTerms, User, utcnow
from core.orders import actions, events
from core.plugins import discover
from core.timeline import timeline
from plugins.logistics.execution import services
from plugins.logistics.execution.models import ExecutionTask, PlanStatus, TaskStatus
from tests import factories, orders, witness
from tests.factories import reload
from tests.flows import Flow
from tests.plugins.logistics import execution
from tests.plugins.logistics.conftest import PLUGINS
from tests.plugins.logistics.gate_plugin import PREPAYMENT_REASON

S = OrderStatus


def approved(world, **kwargs):
    """An order approved at submission (no review here): its plan is drafted then."""
    order = orders.submitted(world, **kwargs)
    commit()
    assert order.status == S.APPROVED
    return order


def by_key(plan) -> dict[str, ExecutionTask]:
    return {task.key: task for task in plan.tasks}


def local(moment: datetime, zone) -> tuple[date, time]:
    moment = moment.astimezone(zone)
    return moment.date(), moment.time()


def confirmed(order, world):
    plan = services.plan_of(order)
    services.confirm_plan(plan, world.users["production"], accept_late=True)
    commit()
    return plan


def test_a_plan_is_drafted_on_approval_with_every_due_date_before_the_promised_date_in_working_hours(app, world):
    tuesday = execution.a_tuesday_after_a_holiday()
    friday = tuesday - timedelta(days=4)
    execution.office_hours(world, holidays={friday: "调休"})
    execution.template(world)

    order = approved(world, requested_date=tuesday)

    plan = services.plan_of(order)
    assert plan.status == PlanStatus.DRAFT and plan.target_date == tuesday
    zone = world.company.zone
    tasks = by_key(plan)
    assert [task.name for task in plan.tasks] == ["备料", "生产", "质检", "包装", "发货"]
    monday, thursday, wednesday = tuesday - timedelta(days=1), tuesday - timedelta(days=5), tuesday - timedelta(days=6)
    # Counted back from the start of the promised Tuesday: dispatch by Monday's close, each task due when the
    # next must start; production's 16 hours skip the holiday Friday and the weekend, back to Wednesday.
    assert {key: local(task.due_at, zone) for key, task in tasks.items()} == {
        "ship": (monday, time(18)), "pack": (monday, time(16)), "check": (monday, time(14)),
        "make": (monday, time(10)), "material": (wednesday, time(12)),
    }
    cal = calendar.calendar_for(world.company.id)
    for task in plan.tasks:
        day, hour = local(task.due_at, zone)
        assert task.due_at < plan.deadline
        assert day.isoweekday() <= 5 and day != friday and time(9) < hour <= time(18)
        for before in task.depends_on:
            assert cal.working_hours_between(before.due_at, task.due_at) == timedelta(hours=float(task.hours))
    assert thursday not in {local(task.due_at, zone)[0] for task in plan.tasks}  # passed through, nothing due
    assert [[other.key for other in task.depends_on] for task in plan.tasks] == [
        [], ["material"], ["make"], ["check"], ["pack"]]
    assert services.assess(plan, utcnow()).on_time


def test_each_task_goes_to_the_template_s_person_else_the_least_loaded_member_of_its_department(app, world):
    second = factories.user(world.company, "production", username="acme-production-2", name="李四")
    busy = world.users["production"]
    tasks = [{"key": "a", "name": "A", "role": "production", "hours": "1"},
             {"key": "b", "name": "B", "role": "production", "hours": "1"},
             {"key": "c", "name": "C", "role": "production", "user_id": world.users["logistics"].id, "hours": "1"},
             {"key": "d", "name": "D", "role": "customer_service", "hours": "1"}]
    execution.template(world, tasks)
    first = services.plan_of(approved(world))
    # The first order's two production tasks went one to each member (both had nothing open).
    assert {by_key(first)["a"].assignee_id, by_key(first)["b"].assignee_id} == {busy.id, second.id}
    by_key(first)["a"].assignee_id = busy.id
    by_key(first)["b"].assignee_id = busy.id
    commit()

    plan = services.plan_of(approved(world))

    tasks = by_key(plan)
    assert tasks["a"].assignee_id == second.id and tasks["b"].assignee_id == second.id  # busy has two open
    assert tasks["c"].assignee_id == world.users["logistics"].id  # the template's person
    assert tasks["d"].assignee_id == world.users["customer_service"].id


def test_lines_are_grouped_by_the_template_of_their_product_line(app, world):
    valve, seal = world.products
    execution.template(world, execution.tasks_in_a_chain(2), code="VALVE", name="阀门", default=False,
                       products=[valve.id])
    execution.template(world, [{"key": "pack", "name": "包装", "role": "logistics", "hours": "2"}],
                       code="PARTS", name="配件", default=True)

    order = approved(world, lines=[(valve, "10", None), (seal, "200", None), (valve, "1", None)])

    groups = {(task.group_name, tuple(task.line_nos)) for task in services.plan_of(order).tasks}
    assert groups == {("阀门", (1, 3)), ("配件", (2,))}


def test_an_order_no_template_covers_gets_no_plan_and_ships_from_approved(app, world):
    execution.template(world, default=False, products=[world.products[1].id])
    order = approved(world)
    assert services.plan_of(order) is None


def test_a_plan_that_cannot_make_it_is_flagged_before_confirmation_with_the_date_it_can_meet(app, world):
    execution.template(world)  # 32 working hours around the clock, and the goods are wanted tomorrow
    tomorrow = world.company.today() + timedelta(days=1)
    order = approved(world, requested_date=tomorrow)
    plan = services.plan_of(order)

    assessment = services.assess(plan, utcnow())

    assert not assessment.on_time
    assert [task.name for task in assessment.behind][0] == "备料"
    finish = utcnow() + timedelta(hours=32)
    assert assessment.can_meet in {finish.astimezone(world.company.zone).date() + timedelta(days=days)
                                   for days in (0, 1)}
    assert assessment.can_meet > tomorrow
    with pytest.raises(Conflict, match=f"cannot finish by the promised date {tomorrow.isoformat()}") as refused:
        services.confirm_plan(plan, world.users["production"])
    assert refused.value.field == "accept_late"
    assert plan.status == PlanStatus.DRAFT

    services.confirm_plan(plan, world.users["production"], accept_late=True)
    assert (plan.status, plan.accepted_late) == (PlanStatus.CONFIRMED, True)


def test_a_due_date_after_the_promised_date_needs_an_explicit_confirmation(app, world):
    execution.template(world)
    order = approved(world)
    plan = services.plan_of(order)
    planner = world.users["production"]
    ship = by_key(plan)["ship"]
    later = plan.deadline + timedelta(days=2)

    services.adjust_task(ship, planner, due_at=later)  # a draft takes it: confirming asks
    with pytest.raises(Conflict, match="发货 is due after the promised date"):
        services.confirm_plan(plan, planner)
    services.confirm_plan(plan, planner, accept_late=True)

    pack = by_key(plan)["pack"]
    with pytest.raises(Conflict, match="包装 would be due after the promised date") as refused:
        services.adjust_task(pack, planner, due_at=later)
    assert refused.value.field == "accept_late" and pack.due_at < plan.deadline
    services.adjust_task(pack, planner, due_at=later, accept_late=True)
    assert pack.due_at == later


def test_the_planner_reassigns_and_rewires_but_never_into_a_loop(app, world):
    execution.template(world)
    plan = services.plan_of(approved(world))
    tasks = by_key(plan)
    planner = world.users["production"]

    services.adjust_task(tasks["pack"], planner, assignee_id=world.users["customer_service"].id,
                         depends_on=[tasks["make"].id])
    assert tasks["pack"].assignee_id == world.users["customer_service"].id
    assert [other.key for other in tasks["pack"].depends_on] == ["make"]

    with pytest.raises(ValidationError, match="in a loop: 备料 → .*备料") as loop:
        services.adjust_task(tasks["material"], planner, depends_on=[tasks["ship"].id])
    assert loop.value.field == "depends_on"
    for refused, field in ((dict(assignee_id=world.customer_user.id), "assignee_id"),
                           (dict(depends_on=[tasks["pack"].id]), "depends_on"),
                           (dict(depends_on=[999999]), "depends_on"),
                           (dict(due_at=datetime(2030, 1, 1)), "due_at")):
        with pytest.raises(ValidationError) as error:
            services.adjust_task(tasks["pack"], planner, **refused)
        assert error.value.field == field
    with pytest.raises(PermissionDenied):
        services.adjust_task(tasks["pack"], world.users["logistics"], assignee_id=None)


def test_the_first_production_task_puts_the_order_into_production_with_its_timeline_entry(app, world):
    execution.template(world)
    order = approved(world)
    plan = confirmed(order, world)
    tasks = by_key(plan)
    worker = tasks["material"].assignee

    services.start_task(tasks["material"], worker)  # preparing material is not production
    assert order.status == S.APPROVED
    services.complete_task(tasks["material"], worker)
    services.start_task(tasks["make"], tasks["make"].assignee)
    commit()

    assert order.status == S.IN_PRODUCTION
    entries = [(entry.action, entry.after) for entry in timeline(order, world.customer_user)]
    assert ("production_started", {"status": "in_production"}) in entries
    staff_entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "production_started")).scalar_one()
    assert staff_entry.after == {"status": "in_production", "task": "生产"}


def test_starting_production_asks_the_execution_gates(gated_app):
    world = factories.build_world(gated_app)
    execution.template(world)
    order = approved(world)
    plan = confirmed(order, world)
    make = by_key(plan)["make"]

    with pytest.raises(Conflict, match=PREPAYMENT_REASON) as refused:
        services.start_task(make, world.users["production"])
    assert refused.value.field == "gates"
    services.start_task(by_key(plan)["material"], world.users["production"])  # not production: no gate


def test_completing_refuses_what_it_must_and_changes_nothing(app, world):
    execution.template(world)
    order = approved(world)
    plan = confirmed(order, world)
    tasks = by_key(plan)
    check = tasks["check"]
    stranger = world.users["sales"]
    entries = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

    with pytest.raises(Conflict, match="质检 waits for 生产 to be done first") as waiting:
        services.complete_task(check, check.assignee)
    assert waiting.value.field == "depends_on"
    with pytest.raises(PermissionDenied, match="not yours"):
        services.complete_task(tasks["material"], stranger)
    assert check.status == tasks["material"].status == TaskStatus.OPEN
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == entries

    services.complete_task(tasks["material"], world.users["administrator"], note="钢材到货",
                           quantity_done=Decimal("10"))  # a planner may
    with pytest.raises(Conflict, match="备料 is already done"):
        services.complete_task(tasks["material"], tasks["material"].assignee)
    with pytest.raises(ValidationError) as bad:
        services.complete_task(tasks["make"], world.users["administrator"], quantity_done=Decimal("-1"))
    assert bad.value.field == "quantity_done"
    assert tasks["material"].note == "钢材到货" and tasks["material"].quantity_done == Decimal("10")

    actions.cancel(order, actor=world.users["sales"], reason="客户取消")
    commit()
    with pytest.raises(Conflict, match="is Cancelled") as cancelled:
        services.complete_task(tasks["make"], world.users["administrator"])
    assert cancelled.value.field == "order"
    assert tasks["make"].status == TaskStatus.CANCELLED and plan.status == PlanStatus.CANCELLED


def test_a_drafted_plan_is_not_worked_until_it_is_confirmed(app, world):
    execution.template(world)
    plan = services.plan_of(approved(world))
    with pytest.raises(Conflict, match="not confirmed yet"):
        services.start_task(plan.tasks[0], world.users["administrator"])
    with pytest.raises(PermissionDenied):
        services.confirm_plan(plan, world.users["logistics"])


def test_the_last_task_done_completes_the_plan(app, world):
    execution.template(world, execution.tasks_in_a_chain(2))
    order = approved(world)
    plan = confirmed(order, world)
    for task in plan.tasks:
        services.complete_task(task, task.assignee)
    assert plan.status == PlanStatus.DONE
    assert order.status == S.IN_PRODUCTION


def test_an_approved_change_replans_the_open_tasks_and_flags_done_work_it_changes(app, world):
    execution.template(world)
    order = approved(world)
    plan = confirmed(order, world)
    tasks = by_key(plan)
    services.complete_task(tasks["material"], tasks["material"].assignee)
    done_due = tasks["material"].due_at
    old_due = {key: task.due_at for key, task in tasks.items()}
    later = order.requested_date + timedelta(days=7)

    events.apply_change(order, OrderChange(None, 2, requested_date=later,
                                           lines=(LineChange(line_no=1, quantity=Decimal("12")),)),
                        actor=world.users["sales"])
    commit()

    assert (plan.target_date, plan.revision) == (later, 2)
    for key in ("make", "check", "pack", "ship"):
        assert tasks[key].due_at == old_due[key] + timedelta(days=7)  # around the clock: a week later
    assert tasks["material"].due_at == done_due
    assert tasks["material"].invalidated_revision == 2  # done for 10, the order now wants 12
    recorded = db.session.execute(select(AuditEntry.action).where(AuditEntry.order_id == order.id)
                                  .order_by(AuditEntry.id)).scalars().all()
    assert recorded[-2:] == ["change_applied", "plan_replanned"]


def test_a_change_adding_a_line_of_another_product_line_adds_its_tasks(app, world):
    valve, seal = world.products
    execution.template(world, execution.tasks_in_a_chain(2), code="VALVE", name="阀门", default=False,
                       products=[valve.id])
    execution.template(world, [{"key": "pack", "name": "包装", "role": "logistics", "hours": "2"}],
                       code="SEAL", name="密封件", default=False, products=[seal.id])
    order = approved(world)
    assert {task.group_name for task in services.plan_of(order).tasks} == {"阀门"}

    events.apply_change(order, OrderChange(None, 2, lines=(LineChange(product_id=seal.id, quantity=Decimal("5")),)),
                        actor=world.users["sales"])

    plan = services.plan_of(order)
    assert {(task.group_name, tuple(task.line_nos)) for task in plan.tasks} == {("阀门", (1,)), ("密封件", (2,))}


def test_a_task_of_another_company_is_not_found(app, world):
    execution.template(world)
    plan = services.plan_of(approved(world))
    rival = factories.build_world(app, "RIVAL")
    with pytest.raises(NotFound):
        services.get_task(rival.users["administrator"], plan.tasks[0].id)


@pytest.fixture
def every_stage(make_app):
    app = make_app(plugins=discover())
    with app.app_context():
        yield app


def test_production_waits_for_the_prepayment_and_starts_once_it_is_paid(every_stage):
    world = factories.build_world(every_stage, modules={"review": False})
    execution.template(world)
    order = approved(world, payment_terms=PaymentTerms.PREPAYMENT)
    plan = confirmed(order, world)
    make = by_key(plan)["make"]

    with pytest.raises(Conflict, match="生产 cannot start: waiting for the prepayment"):
        services.start_task(make, world.users["production"])
    Flow(every_stage, world).pay_in_full({"id": order.id})
    make = reload(make)
    services.start_task(make, world.users["production"])
    commit()

    assert reload(order).status == S.IN_PRODUCTION


def test_without_billing_nothing_gates_production(every_stage):
    world = factories.build_world(every_stage, modules={"review": False, "billing": False})
    execution.template(world)
    order = approved(world, payment_terms=PaymentTerms.PREPAYMENT)
    plan = confirmed(order, world)
    services.start_task(by_key(plan)["make"], world.users["production"])
    assert order.status == S.IN_PRODUCTION


def _drafting(app, code: str, tasks: int) -> list[str]:
    world = factories.build_world(app, code)
    order = approved(world)  # no template yet: no plan
    execution.template(world, execution.tasks_in_a_chain(tasks))
    db.session.expire_all()
    with execution.statements() as sent:
        plan = services.draft_plan(order)
    assert len(plan.tasks) == tasks
    return sent


def _completing(app, code: str, tasks: int) -> list[str]:
    world = factories.build_world(app, code)
    execution.template(world, execution.tasks_in_a_chain(tasks))
    order = approved(world)
    plan = confirmed(order, world)
    first, task_id = plan.tasks[0], plan.tasks[1].id
    services.complete_task(first, first.assignee)
    commit()
    db.session.expire_all()
    worker = db.session.get(User, world.users["production"].id)
    with execution.statements() as sent:
        services.complete_task(services.get_task(worker, task_id), worker, note="ok", quantity_done=Decimal("1"))
    return sent


def test_drafting_a_plan_takes_as_many_statements_for_30_tasks_as_for_3(app):
    few, many = _drafting(app, "FEW", 3), _drafting(app, "MANY", 30)
    assert len(few) == len(many), (few, many)


def test_completing_a_task_takes_as_many_statements_in_a_plan_of_30_tasks_as_of_3(app):
    few, many = _completing(app, "FEW", 3), _completing(app, "MANY", 30)
    assert len(few) == len(many), (few, many)


def _reading(app, code: str, tasks: int) -> tuple[list[str], list[str]]:
    """The statements that read a task to work on, then those that read its order's plan, everything they hold
    looked at: each task's prerequisites, the plan's order and the modules pinned on it."""
    world = factories.build_world(app, code)
    execution.template(world, execution.tasks_in_a_chain(tasks))
    order = approved(world)
    task_id = confirmed(order, world).tasks[-1].id
    db.session.expire_all()
    worker = db.session.get(User, world.users["production"].id)
    with execution.statements() as working:
        task = services.get_task(worker, task_id)
        looked_at = [(other.status, [before.id for before in other.depends_on]) for other in task.plan.tasks]
        pinned = task.plan.order.pinned_modules
    assert len(looked_at) == tasks and looked_at[-1][1] == [task.plan.tasks[-2].id] and "logistics" in pinned
    db.session.expire_all()
    order = db.session.get(type(order), order.id)
    with execution.statements() as planning:
        plan = services.plan_of(order)
        waits = [[before.id for before in other.depends_on] for other in plan.tasks]
    assert plan.order is order and waits[0] == [] and waits[1] == [plan.tasks[0].id]
    return working, planning


def test_a_task_is_read_to_be_worked_on_with_its_plan_s_tasks_in_one_statement_and_a_plan_in_one(app):
    few, many = _reading(app, "FEW", 3), _reading(app, "MANY", 30)
    # The task, its plan, order and pinned modules, and every task of the plan with what it waits for.
    assert len(few[0]) == len(many[0]) == 1, (few[0], many[0])
    # The plan with its tasks, a row each with what it waits for: never a statement per task.
    assert len(few[1]) == len(many[1]) == 1, (few[1], many[1])


def test_hook_execution_task_completed(make_app):
    """Listeners pinned on the order hear of each task done: its department and person, when it could be
    worked (its plan confirmed, then what it waits for done), its due time and when it was done; the audit
    entry keeps what they were told."""
    app = witness.watching(make_app, *PLUGINS)
    with app.app_context():
        world = factories.build_world(app)
        execution.template(world)
        order = approved(world)
        plan = confirmed(order, world)
        tasks = by_key(plan)
        material, make = tasks["material"], tasks["make"]
        services.complete_task(material, material.assignee)
        services.complete_task(make, make.assignee)  # starts it, putting the order into production, first
        commit()
        expected = [(material.id, material.role, material.assignee_id, plan.confirmed_at, material.due_at,
                     material.completed_at),
                    (make.id, make.role, make.assignee_id, material.completed_at, make.due_at, make.completed_at)]
        kept = db.session.execute(select(AuditEntry.after).where(
            AuditEntry.entity_id == make.id, AuditEntry.action == "task_completed")).scalar_one()
        order_id = order.id
    heard = witness.events(order_id, "execution_task_completed")
    assert [(event.payload["task"].task_id, event.payload["task"].department, event.payload["task"].assignee_id,
             event.payload["task"].arrived_at, event.payload["task"].due_at, event.payload["task"].completed_at)
            for event in heard] == expected
    assert [event.status for event in heard] == [S.APPROVED, S.IN_PRODUCTION]  # after production started
    assert TaskCompleted.from_record(kept[TaskCompleted.hook]) == heard[1].payload["task"]
