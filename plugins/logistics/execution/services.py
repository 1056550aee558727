"""Execution plans: drafted on approval, adjusted and confirmed by the planner, worked task by task.

When an order is approved, ``draft_plan`` groups its lines by the template of
their product line and drafts one set of tasks per group: each task gets a
responsible person (the template's person while they are active, else the
least-loaded active member of its department, counted by open tasks in one
query) and a due date counted back from the promised date (else the requested
date) through the dependencies in the company's working calendar.

A planner (``logistics.plan``) adjusts people, dates and dependencies and
confirms; a plan that misses the promised date (a task due after it, or a
latest start already past) is confirmed only when they say they accept it.
The people responsible start and complete their tasks; a planner may too.
Starting the first production task asks the execution gates of the plugins
pinned on the order and puts the order into production through the core's
``start_production``. An approved change re-plans the open tasks' dates and
flags the done ones whose lines it changed.

Reads (``assess``) compute where the plan stands at a moment; nothing here
writes unless it is asked to change something.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, String, and_, case, cast, func, insert, or_, select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from core import audit
from core.auth.context import check
from core.calendar import Calendar, calendar_for
from core.contracts import Gate, OrderChange, TaskCompleted
from core.db import flush, is_id
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.figures import QUANTITY
from core.labels import label
from core.models import Order, OrderLine, OrderStatus, Role, User, utcnow
from core.models.users import user_role
from core.modules import hooks_for_order
from core.orders import events
from core.orders.queries import ORDER_AS_GOT, get_order, hold_order, visible_to
from core.session_memo import remember, remembered
from plugins.logistics.execution.models import (
    OPEN_TASKS, ExecutionPlan, ExecutionTask, ExecutionTemplate, PlanStatus, TaskDependency, TaskKind, TaskStatus,
    TemplateProduct, TemplateTask,
)
from plugins.logistics.execution.schedule import (
    Cycle, Step, deadline_of, due_dates, earliest_finish, first_day_after, latest_start, ordered,
)
from plugins.logistics.incidents.models import PlanRisk

PLAN = "logistics.plan"
WORK = "logistics.task"
NOTE_MAX = 2000
# Orders whose plans are worked: approved, in production, and on their way (a late quality record).
WORKABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED,
                      OrderStatus.DELIVERED, OrderStatus.COMPLETED})
PLANNABLE = frozenset({OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION})
UNSET: Any = object()


# --- reading ---------------------------------------------------------------------


_RISK = ("logistics.plan_risk",)
# A plan as plan_of reads it: its tasks (a row each, with their prerequisites' ids) in the plan's statement.
_PLAN_READ = (lazyload(ExecutionPlan.order), lazyload(ExecutionPlan.tasks), lazyload(ExecutionTask.plan),
              lazyload(ExecutionTask.depends_on))


def plan_of(order: Order) -> ExecutionPlan | None:
    """The order's plan, with its tasks and what each waits for, or None when it has none: one statement (a row a
    task, each with its plan), however many tasks the plan has (the order is the one given, not read again). Read
    once per unit of work until a plan, a task or a dependency is written (``core.session_memo``): the order page's
    actions and panels each ask."""
    return remembered(("logistics.plan", order.id), lambda: _plan_of(order), autoflush=True,
                      tables=(ExecutionPlan.__tablename__, ExecutionTask.__tablename__,
                              TaskDependency.__tablename__))


def _plan_of(order: Order) -> ExecutionPlan | None:
    rows = db.session.execute(
        select(ExecutionPlan, ExecutionTask, _prerequisite_ids())
        .outerjoin(ExecutionTask, ExecutionTask.plan_id == ExecutionPlan.id)
        .where(ExecutionPlan.company_id == order.company_id, ExecutionPlan.order_id == order.id)
        .options(*_PLAN_READ).order_by(ExecutionTask.position)).all()
    return _held_plan(order, rows[0][0], [(task, waits) for _plan, task, waits in rows]) if rows else None


def order_and_plan(user: User, order_id: int) -> tuple[Order, ExecutionPlan | None]:
    """The order ``user`` asks for (NotFound as get_order says it, and kept as its answer) and its :func:`plan_of`,
    both in one statement."""
    rows = db.session.execute(
        select(Order, ExecutionPlan, PlanRisk, ExecutionTask, _prerequisite_ids())
        .outerjoin(ExecutionPlan, and_(ExecutionPlan.order_id == Order.id,
                                       ExecutionPlan.company_id == Order.company_id))
        .outerjoin(PlanRisk, PlanRisk.plan_id == ExecutionPlan.id)
        .outerjoin(ExecutionTask, ExecutionTask.plan_id == ExecutionPlan.id)
        .where(Order.id == order_id, visible_to(user))
        .options(*ORDER_AS_GOT, *_PLAN_READ).order_by(ExecutionTask.position)).unique().all() if is_id(order_id) else []
    if not rows:
        return get_order(user, order_id), None  # it raises the order's NotFound
    order = hold_order(rows[0][0])
    plan = rows[0][1]
    if plan is None:
        return order, None
    remember(_RISK + (plan.id,), rows[0][2], tables=(PlanRisk.__tablename__,))  # risk_of's answer, read with it
    return order, _held_plan(order, plan, [(task, waits) for _order, _plan, _risk, task, waits in rows])


def risk_of(plan: ExecutionPlan) -> PlanRisk | None:
    """The plan's risk record of the last sweep, or None: once per unit of work until a risk record is written
    (an API request reads it with the plan, see :func:`order_and_plan`)."""
    return remembered(_RISK + (plan.id,), lambda: db.session.execute(
        select(PlanRisk).where(PlanRisk.plan_id == plan.id)).scalar_one_or_none(),
        tables=(PlanRisk.__tablename__,), autoflush=True)


def _held_plan(order: Order, plan: ExecutionPlan, rows: Sequence[tuple[ExecutionTask | None, Any]]) -> ExecutionPlan:
    set_committed_value(plan, "order", order)
    _hold_tasks(plan, [(task, waits) for task, waits in rows if task is not None])
    return plan


def _hold_tasks(plan: ExecutionPlan, rows: Sequence[Any]) -> None:
    """Make ``plan.tasks`` read the tasks of ``rows`` (a task and its prerequisites' ids, in position order), and
    each task's ``depends_on`` the tasks those ids name."""
    by_id = {task.id: task for task, _prerequisites in rows}
    for task, prerequisites in rows:
        set_committed_value(task, "depends_on", sorted(
            (by_id[int(ident)] for ident in (prerequisites or "").split(",") if ident),
            key=lambda prerequisite: prerequisite.position))
        set_committed_value(task, "plan", plan)
    set_committed_value(plan, "tasks", list(by_id.values()))


def visible_tasks(user: User) -> Select[Any]:
    """The tasks of the orders ``user`` may see (staff: their company's), joined to their order."""
    return (select(ExecutionTask).join(Order, Order.id == ExecutionTask.order_id)
            .where(ExecutionTask.company_id == user.company_id, visible_to(user)))


# What working on a task reads besides it: its plan with the order (whose status decides, and whose pinned modules
# answer its hooks; lines not needed), each task of the plan a row of the same statement (whether the plan is done)
# and each task's prerequisites as a list of ids in its row: the tasks are all there to be pointed at.
_WORKED_ON = (joinedload(ExecutionTask.plan).options(
    lazyload(ExecutionPlan.tasks),
    joinedload(ExecutionPlan.order).options(lazyload(Order.lines), joinedload(Order.module_rows))),
    lazyload(ExecutionTask.depends_on))


def _prerequisite_ids() -> Any:
    """A task's prerequisites' ids, comma-separated (None when it waits for nothing): a column of its own row."""
    return (select(func.aggregate_strings(cast(TaskDependency.depends_on_id, String), ","))
            .where(TaskDependency.task_id == ExecutionTask.id).correlate(ExecutionTask).scalar_subquery())


def get_task(user: User, task_id: Any) -> ExecutionTask:
    """One task (milestone) of the user's company, with its plan, order and the plan's other tasks and what each
    waits for, or NotFound: one statement, however many tasks the plan has."""
    rows: list[Any] = []
    if isinstance(task_id, int) and is_id(task_id):
        plan_id = select(ExecutionTask.plan_id).where(ExecutionTask.id == task_id).scalar_subquery()
        rows = list(db.session.execute(
            visible_tasks(user).add_columns(_prerequisite_ids()).where(ExecutionTask.plan_id == plan_id)
            .options(*_WORKED_ON).order_by(ExecutionTask.position)).unique())
    task = next((task for task, _prerequisites in rows if task.id == task_id), None)
    if task is None:
        raise NotFound(_("task %(id)s does not exist", id=task_id))
    _hold_tasks(task.plan, rows)
    return task


@dataclass(frozen=True)
class Assessment:
    """Where a plan stands at a moment: each open task's latest start, what is late, what it can meet."""

    plan: ExecutionPlan
    now: datetime
    latest_starts: Mapping[int, datetime]  # by task id, open tasks only
    due_after_deadline: tuple[ExecutionTask, ...]  # tasks the planner set to end after the promised date
    behind: tuple[ExecutionTask, ...]  # open tasks whose latest start has passed
    can_meet: date | None  # the first date the plan can meet, when it cannot meet its own
    earliest_finish: datetime | None

    @property
    def on_time(self) -> bool:
        return not self.behind and not self.due_after_deadline

    @property
    def tasks(self) -> list[ExecutionTask]:
        return list(self.plan.tasks)


def assess(plan: ExecutionPlan, now: datetime, calendar: Calendar | None = None) -> Assessment:
    """The plan at ``now``: latest starts, tasks behind, and the date it can meet when it is late."""
    calendar = calendar or calendar_for(plan.company_id)
    open_tasks = [task for task in plan.tasks if task.is_open]
    starts = {task.id: latest_start(calendar, task.due_at, task.hours) for task in open_tasks}
    behind = tuple(task for task in open_tasks
                   if (starts[task.id] if task.status == TaskStatus.OPEN else task.due_at) < now)
    late = tuple(task for task in open_tasks if task.due_at > plan.deadline)
    finish: datetime | None = None
    can_meet: date | None = None
    if behind or late:
        live = [task for task in plan.tasks if task.status != TaskStatus.CANCELLED]
        finish = earliest_finish(
            _steps(live), now, calendar,
            finished={task.id: task.completed_at or now for task in live if task.status == TaskStatus.DONE},
            started={task.id: task.started_at or now for task in live if task.status == TaskStatus.STARTED})
        if finish > plan.deadline:
            can_meet = first_day_after(finish, calendar.zone)
    return Assessment(plan, now, starts, late, behind, can_meet, finish)


@dataclass(frozen=True)
class WaitingTask:
    """A task of a confirmed plan waiting for its person, as the inbox lists it."""

    id: int
    name: str
    due_at: datetime
    order_id: int
    order_number: str | None


def _waiting(user: User) -> Select[Any]:
    """The user's open tasks of confirmed plans, joined to their orders and plans."""
    return (select(ExecutionTask.id).join(Order, Order.id == ExecutionTask.order_id)
            .join(ExecutionPlan, ExecutionPlan.id == ExecutionTask.plan_id)
            .where(ExecutionTask.company_id == user.company_id, ExecutionTask.assignee_id == user.id,
                   ExecutionTask.status.in_(OPEN_TASKS), ExecutionPlan.status == PlanStatus.CONFIRMED,
                   visible_to(user)))


def tasks_waiting(user: User, limit: int | None = None) -> list[WaitingTask]:
    """The user's open tasks of confirmed plans, soonest due first, at most ``limit``: one query."""
    rows = db.session.execute(_waiting(user).with_only_columns(
        ExecutionTask.id, ExecutionTask.name, ExecutionTask.due_at, ExecutionTask.order_id, Order.number)
        .order_by(ExecutionTask.due_at, ExecutionTask.id).limit(limit)).all()
    return [WaitingTask(*row) for row in rows]


def count_tasks_waiting(user: User, now: datetime) -> tuple[int, int]:
    """How many tasks ``tasks_waiting`` lists, and how many of them are past their due time: one query."""
    total, late = db.session.execute(_waiting(user).with_only_columns(
        func.count(), func.count(case((ExecutionTask.due_at < now, 1))))).one()
    return total, late


def _to_confirm(user: User) -> Select[Any]:
    return (select(ExecutionPlan.id).join(Order, Order.id == ExecutionPlan.order_id)
            .where(ExecutionPlan.company_id == user.company_id, ExecutionPlan.status == PlanStatus.DRAFT,
                   Order.status.in_(PLANNABLE), visible_to(user)))


def plans_to_confirm(user: User, limit: int | None = None) -> list[tuple[int, str | None, date]]:
    """Drafted plans a planner confirms: (order id, order number, promised date), soonest date first, at most
    ``limit``, in one query."""
    rows = db.session.execute(_to_confirm(user).with_only_columns(
        ExecutionPlan.order_id, Order.number, ExecutionPlan.target_date)
        .order_by(ExecutionPlan.target_date, ExecutionPlan.id).limit(limit)).all()
    return [(row[0], row[1], row[2]) for row in rows]


def count_plans_to_confirm(user: User, late_before: date) -> tuple[int, int]:
    """How many plans ``plans_to_confirm`` lists, and how many of their dates come before ``late_before``."""
    total, late = db.session.execute(_to_confirm(user).with_only_columns(
        func.count(), func.count(case((ExecutionPlan.target_date < late_before, 1))))).one()
    return total, late


# --- drafting ----------------------------------------------------------------------


@dataclass
class _Group:
    template: ExecutionTemplate
    lines: list[OrderLine] = field(default_factory=list)
    in_stock: bool = False  # every line is reserved in stock: picked and packed, not produced

    def sources(self) -> Sequence[TemplateTask | StockTask]:
        return pick_and_pack() if self.in_stock else self.template.tasks


@dataclass(frozen=True)
class StockTask:
    """A task of a line served from stock, shaped as a template's task (``_add_groups`` reads either)."""

    key: str
    name: str
    kind: TaskKind
    role: str | None
    hours: Decimal
    depends_on: tuple[str, ...] = ()
    user: User | None = None


def pick_and_pack() -> list[StockTask]:
    """What a line fully in stock takes instead of its production tasks: pick it, then pack it."""
    return [StockTask("pick", _("Pick from stock"), TaskKind.PREPARATION, "logistics", Decimal(1)),
            StockTask("pack", _("Pack"), TaskKind.PACKING, "logistics", Decimal(1), ("pick",))]


def served_from_stock(order: Order, groups: list[_Group]) -> list[_Group]:
    """The groups with the lines the stock module says are fully reserved split off into pick-and-pack groups.

    Without a stock module pinned on the order nobody answers, and every line is produced.
    """
    answer = hooks_for_order(order).line_stock(order=order)
    in_stock = {line.order_line_id for line in answer or () if line.in_stock}
    if not in_stock:
        return groups
    split: list[_Group] = []
    for group in groups:
        produced = [line for line in group.lines if line.id not in in_stock]
        picked = [line for line in group.lines if line.id in in_stock]
        if produced:
            split.append(_Group(group.template, produced))
        if picked:
            split.append(_Group(group.template, picked, in_stock=True))
    return split


def line_groups(order: Order) -> list[_Group]:
    """The order's lines grouped by the template of their product line, in line order.

    A product listed by an active template belongs to its line; any other goes to the
    company's active default template, if there is one; else the line has no tasks.
    """
    product_ids = {line.product_id for line in order.lines}
    listed = select(TemplateProduct.template_id).where(TemplateProduct.company_id == order.company_id,
                                                       TemplateProduct.product_id.in_(product_ids))
    # Each template with the order's products it lists, a row each (or one row with none): not the template's
    # whole list of products, which only these rows of it are looked up in.
    rows = db.session.execute(
        select(ExecutionTemplate, TemplateProduct.product_id)
        .outerjoin(TemplateProduct, and_(TemplateProduct.template_id == ExecutionTemplate.id,
                                         TemplateProduct.product_id.in_(product_ids)))
        .where(ExecutionTemplate.company_id == order.company_id, ExecutionTemplate.active.is_(True),
               or_(ExecutionTemplate.is_default.is_(True), ExecutionTemplate.id.in_(listed)))
        .options(lazyload(ExecutionTemplate.product_rows))
        .order_by(ExecutionTemplate.id, TemplateProduct.id)).all()
    templates = list({template.id: template for template, _product_id in rows}.values())
    by_product = {product_id: template for template, product_id in rows if product_id is not None}
    default = next((template for template in templates if template.is_default), None)
    groups: dict[int, _Group] = {}
    for line in order.lines:
        template = by_product.get(line.product_id, default)
        if template is not None:
            groups.setdefault(template.id, _Group(template)).lines.append(line)
    return list(groups.values())


def target_date(order: Order) -> date:
    return order.promised_date or order.requested_date


def draft_plan(order: Order) -> ExecutionPlan | None:
    """Draft the approved order's plan from its lines' templates; None when no template covers a line."""
    if plan_of(order) is not None:
        return None
    groups = served_from_stock(order, line_groups(order))
    if not groups:
        return None
    calendar = calendar_for(order.company_id)
    day = target_date(order)
    plan = ExecutionPlan(company_id=order.company_id, order_id=order.id, order=order, status=PlanStatus.DRAFT,
                         revision=order.revision, target_date=day, deadline=deadline_of(day, calendar.zone),
                         drafted_at=utcnow())
    db.session.add(plan)
    flush()
    set_committed_value(plan, "tasks", [])  # a plan just written has no tasks yet: not read to know it
    _add_groups(plan, groups, calendar)
    audit.record(company_id=plan.company_id, order_id=order.id, entity="execution_plan", entity_id=plan.id,
                 action="plan_drafted", actor=None, before=None, after=_plan_state(plan))
    return plan


def _add_groups(plan: ExecutionPlan, groups: Sequence[_Group], calendar: Calendar | None) -> list[ExecutionTask]:
    """Write one set of tasks per group into the (flushed) plan, people assigned and, with a calendar,
    due dates counted back from the deadline; else due at the deadline until the caller counts them.

    The tasks and their dependencies are written in one statement each (rows, not objects: the ORM
    writes objects of a table that refers to itself one by one), the tasks returned by their INSERT, so
    drafting a plan of 30 tasks takes the statements one of 3 does.
    """
    people = _Assigner(plan.company_id, {task.role for group in groups for task in group.sources() if task.role})
    existing = list(plan.tasks)
    position = max((task.position for task in existing), default=0)
    rows: list[dict[str, Any]] = []
    edges: list[tuple[int, int]] = []  # (a task's position, the position of one it waits for)
    for group in groups:
        keys: dict[str, int] = {}
        for source in group.sources():
            position += 1
            keys[source.key] = position
            rows.append({
                "company_id": plan.company_id, "plan_id": plan.id, "order_id": plan.order_id,
                "template_id": group.template.id,
                "group_name": _("%(name)s, from stock", name=group.template.name) if group.in_stock
                else group.template.name,
                "line_nos": [line.line_no for line in group.lines], "position": position, "key": source.key,
                "name": source.name, "kind": source.kind, "role": source.role, "assignee_id": people.pick(source),
                "hours": source.hours, "status": TaskStatus.OPEN, "due_at": plan.deadline, "version": 1,
            })
        edges += [(keys[source.key], keys[key]) for source in group.sources()
                  for key in source.depends_on if key in keys]
    if calendar is not None:
        by_position = {row["position"]: row for row in rows}
        steps = [Step(row["position"], row["name"], row["hours"],
                      tuple(before for after, before in edges if after == row["position"])) for row in rows]
        for ref, moment in due_dates(steps, plan.deadline, calendar).items():
            by_position[ref]["due_at"] = moment
    made = {task.position: task for task in db.session.scalars(
        insert(ExecutionTask).returning(ExecutionTask), rows)}  # matched by position, in any order
    if edges:
        db.session.execute(insert(TaskDependency), [{"task_id": made[after].id, "depends_on_id": made[before].id}
                                                     for after, before in edges])
    for task in made.values():
        set_committed_value(task, "depends_on",
                            sorted((made[before] for after, before in edges if after == task.position),
                                   key=lambda other: other.position))
    set_committed_value(plan, "tasks", sorted([*existing, *made.values()], key=lambda task: task.position))
    return [made[row["position"]] for row in rows]


class _Assigner:
    """Who gets a task: the template's person while active, else the least-loaded member of the role.

    Loads are every open task of each member, read in one query, and grow as tasks are handed out,
    so one plan's tasks of a department spread over its people.
    """

    def __init__(self, company_id: int, roles: set[str]) -> None:
        self.members: dict[str, list[int]] = defaultdict(list)
        self.load: dict[int, int] = {}
        if not roles:
            return
        open_tasks = (select(func.count(ExecutionTask.id))
                      .where(ExecutionTask.assignee_id == User.id, ExecutionTask.status.in_(OPEN_TASKS))
                      .correlate(User).scalar_subquery())
        rows = db.session.execute(
            select(Role.name, User.id, open_tasks)
            .join(user_role, user_role.c.role_id == Role.id).join(User, User.id == user_role.c.user_id)
            .where(Role.company_id == company_id, Role.name.in_(roles), User.active.is_(True),
                   User.customer_id.is_(None))
            .order_by(User.id))
        for role, user_id, count in rows:
            self.members[role].append(user_id)
            self.load[user_id] = count

    def pick(self, source: TemplateTask | StockTask) -> int | None:
        person = source.user
        if person is not None and person.active:
            chosen = person.id
        elif source.role and self.members.get(source.role):
            chosen = min(self.members[source.role], key=lambda user_id: (self.load[user_id], user_id))
        else:
            return None  # nobody to give it to: the planner assigns it before confirming
        self.load[chosen] = self.load.get(chosen, 0) + 1
        return chosen


def set_dependencies(task: ExecutionTask, others: Sequence[ExecutionTask]) -> None:
    """Make ``task`` wait for exactly ``others``: its dependency rows, and what ``task.depends_on`` reads."""
    for row in db.session.execute(select(TaskDependency).where(TaskDependency.task_id == task.id)).scalars():
        db.session.delete(row)
    flush()
    db.session.add_all(TaskDependency(task=task, prerequisite=other) for other in others)
    set_committed_value(task, "depends_on", list(others))


def _ref(task: ExecutionTask) -> Hashable:
    """A task's reference in a schedule: its id, or for a task not yet written the object itself."""
    return task.id if task.id is not None else id(task)


def _steps(tasks: Iterable[ExecutionTask]) -> list[Step]:
    return [Step(_ref(task), task.name, task.hours, tuple(_ref(dep) for dep in task.depends_on)) for task in tasks]


def _derive_dates(plan: ExecutionPlan, calendar: Calendar, tasks: Sequence[ExecutionTask]) -> None:
    """Count the given tasks' due dates back from the plan's deadline; done tasks keep theirs.

    Nothing is flushed meanwhile, so tasks not yet written keep the references they were scheduled by.
    """
    with db.session.no_autoflush:
        steps = _steps(tasks)
        refs = {_ref(task): task for task in tasks}
        for ref, moment in due_dates(steps, plan.deadline, calendar).items():
            refs[ref].due_at = moment


# --- the planner ---------------------------------------------------------------------


def confirm_plan(plan: ExecutionPlan, actor: User, *, accept_late: bool = False,
                 now: datetime | None = None) -> Assessment:
    """Confirm a drafted plan: everyone responsible, and on time unless the planner accepts it is not."""
    check(actor, PLAN)
    _refuse_closed(plan)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(_("the plan of order %(number)s is already confirmed", number=plan.order.display_number))
    nobody = [task for task in plan.tasks if task.is_open and task.assignee_id is None]
    if nobody:
        raise ValidationError(_("task %(task)s has nobody responsible; assign it first", task=nobody[0].name),
                              field="assignee_id")
    assessment = assess(plan, now or utcnow())
    if not assessment.on_time and not accept_late:
        raise Conflict(_late_message(assessment), field="accept_late")
    plan.status = PlanStatus.CONFIRMED
    plan.confirmed_at = utcnow()
    plan.confirmed_by_id = actor.id
    plan.accepted_late = not assessment.on_time
    flush()
    audit.record(company_id=plan.company_id, order_id=plan.order_id, entity="execution_plan", entity_id=plan.id,
                 action="plan_confirmed", actor=actor, before={"status": PlanStatus.DRAFT.value},
                 after={"status": plan.status.value, "accepted_late": plan.accepted_late,
                        "can_meet": assessment.can_meet.isoformat() if assessment.can_meet else None})
    return assessment


def _late_message(assessment: Assessment) -> str:
    plan = assessment.plan
    promised = plan.target_date.isoformat()
    if assessment.due_after_deadline:
        return _("task %(task)s is due after the promised date %(date)s; confirm that you accept it (accept_late)",
                 task=assessment.due_after_deadline[0].name, date=promised)
    can_meet = assessment.can_meet.isoformat() if assessment.can_meet else promised
    return _("the plan cannot finish by the promised date %(date)s (task %(task)s should have started); it can "
             "meet %(can_meet)s: confirm that you accept it (accept_late)",
             date=promised, task=assessment.behind[0].name, can_meet=can_meet)


def adjust_task(task: ExecutionTask, actor: User, *, assignee_id: Any = UNSET, due_at: Any = UNSET,
                depends_on: Any = UNSET, accept_late: bool = False) -> ExecutionTask:
    """The planner changes who is responsible, the due date or what the task waits for."""
    check(actor, PLAN)
    plan = task.plan
    _refuse_closed(plan)
    if not task.is_open:
        raise Conflict(_("task %(task)s is %(status)s; only an open task is planned", task=task.name,
                         status=_status(task)), field="status")
    before = _task_state(task)
    if assignee_id is not UNSET:
        task.assignee_id = _assignee(plan.company_id, assignee_id)
    if due_at is not UNSET:
        if not isinstance(due_at, datetime) or due_at.tzinfo is None:
            raise ValidationError(_("the due date is a date and time with its time zone"), field="due_at")
        if due_at > plan.deadline and plan.status == PlanStatus.CONFIRMED and not accept_late:
            raise Conflict(_("%(task)s would be due after the promised date %(date)s; confirm that you accept "
                                  "it (accept_late)", task=task.name, date=plan.target_date.isoformat()),
                                field="accept_late")
        task.due_at = due_at
    if depends_on is not UNSET:
        set_dependencies(task, _dependencies(plan, task, depends_on))
    flush()
    db.session.expire(task, ["assignee"])  # read again as the new person
    audit.record(company_id=task.company_id, order_id=task.order_id, entity="execution_task", entity_id=task.id,
                 action="task_adjusted", actor=actor, before=before, after=_task_state(task))
    return task


def _assignee(company_id: int, assignee_id: Any) -> int | None:
    if assignee_id is None:
        return None
    user = (db.session.get(User, assignee_id)
            if isinstance(assignee_id, int) and not isinstance(assignee_id, bool) and is_id(assignee_id) else None)
    if user is None or user.company_id != company_id or not user.active or user.customer_id is not None:
        raise ValidationError(_("user %(user)s is not an active member of the staff", user=assignee_id),
                              field="assignee_id")
    return user.id


def _dependencies(plan: ExecutionPlan, task: ExecutionTask, given: Any) -> list[ExecutionTask]:
    if (not isinstance(given, Sequence) or isinstance(given, (str, bytes))
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in given)):
        raise ValidationError(_("depends_on lists the ids of tasks of the same plan"), field="depends_on")
    by_id = {other.id: other for other in plan.tasks}
    chosen = []
    for ident in dict.fromkeys(given):
        other = by_id.get(ident)
        if other is None or other.status == TaskStatus.CANCELLED:
            raise ValidationError(_("task %(id)s is not a task of this plan", id=ident), field="depends_on")
        if other is task:
            raise ValidationError(_("task %(task)s cannot wait for itself", task=task.name), field="depends_on")
        chosen.append(other)
    steps = [Step(other.id, other.name, other.hours,
                  tuple(d.id for d in (chosen if other is task else other.depends_on))) for other in plan.tasks]
    try:
        ordered(steps)
    except Cycle as cycle:
        raise ValidationError(_("the tasks would wait for each other in a loop: %(loop)s", loop=str(cycle)),
                              field="depends_on") from cycle
    return chosen


# --- the people responsible ---------------------------------------------------------------


def start_task(task: ExecutionTask, actor: User) -> ExecutionTask:
    """Start work on a task; the first production task puts the order into production, gates permitting."""
    _may_work(task, actor)
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("task %(task)s is already %(status)s", task=task.name, status=_status(task)),
                       field="status")
    _start(task, actor)
    return task


def complete_task(task: ExecutionTask, actor: User, *, note: str | None = None,
                  quantity_done: Decimal | None = None) -> ExecutionTask:
    """Complete a task once every task it waits for is done, with a note and the quantity done if given."""
    _may_work(task, actor)
    if task.status == TaskStatus.DONE:
        raise Conflict(_("task %(task)s is already done", task=task.name), field="status")
    if task.status == TaskStatus.CANCELLED:
        raise Conflict(_("task %(task)s was cancelled", task=task.name), field="status")
    waiting = [other for other in task.depends_on if other.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)]
    if waiting:
        raise Conflict(_("task %(task)s waits for %(others)s to be done first", task=task.name,
                         others=", ".join(other.name for other in waiting)), field="depends_on")
    note = _note(note)
    quantity_done = _quantity(quantity_done)
    if task.status == TaskStatus.OPEN:  # done at once: it started now
        _start(task, actor)
    before = _task_state(task)
    task.status = TaskStatus.DONE
    task.completed_at = utcnow()
    task.completed_by_id = actor.id
    task.note = note
    task.quantity_done = quantity_done
    task.invalidated_revision = None
    plan = task.plan
    if all(other.status in (TaskStatus.DONE, TaskStatus.CANCELLED) for other in plan.tasks):
        plan.status = PlanStatus.DONE
    flush()
    done = completed(task)
    # The completion as it was notified: ``ordo kpi rebuild`` reads it back from the audit log.
    audit.record(company_id=task.company_id, order_id=task.order_id, entity="execution_task", entity_id=task.id,
                 action="task_completed", actor=actor, before=before,
                 after={**_task_state(task), TaskCompleted.hook: done.as_record()}, note=note)
    events.notify(plan.order, TaskCompleted.hook, task=done)
    return task


def completed(task: ExecutionTask) -> TaskCompleted:
    """A done task as KPIs measure it: it arrived once its plan was confirmed and every task it waits for was
    done (cancelled ones wait for nothing)."""
    assert task.completed_at is not None
    ready = [other.completed_at for other in task.depends_on if other.completed_at is not None]
    arrived = max([task.plan.confirmed_at or task.plan.drafted_at, *ready])
    return TaskCompleted(
        task_id=task.id, name=task.name, kind=task.kind.value, department=task.role, assignee_id=task.assignee_id,
        completed_by_id=task.completed_by_id, arrived_at=arrived, due_at=task.due_at,
        completed_at=task.completed_at)


def _start(task: ExecutionTask, actor: User) -> None:
    order = task.plan.order
    if task.kind.is_production:
        blocked = blocking_gates(order)
        if blocked:
            reasons = "; ".join(gate.reason or gate.name for gate in blocked)
            raise Conflict(_("%(task)s cannot start: %(reasons)s", task=task.name, reasons=reasons),
                           field="gates")
    before = _task_state(task)
    task.status = TaskStatus.STARTED
    task.started_at = utcnow()
    task.started_by_id = actor.id
    flush()
    audit.record(company_id=task.company_id, order_id=task.order_id, entity="execution_task", entity_id=task.id,
                 action="task_started", actor=actor, before=before, after=_task_state(task))
    if task.kind.is_production and order.status == OrderStatus.APPROVED:
        events.start_production(order, actor=actor, task=task.name)


def blocking_gates(order: Order) -> list[Gate]:
    """The execution gates of the order's plugins that hold it back right now."""
    return [gate for contribution in hooks_for_order(order).execution_gates(order=order)
            for gate in contribution if gate.blocked]


def _may_work(task: ExecutionTask, actor: User) -> None:
    if actor.company_id != task.company_id:
        raise NotFound(_("task %(id)s does not exist", id=task.id))
    plan = task.plan
    _refuse_closed(plan)
    if plan.status == PlanStatus.DRAFT:
        raise Conflict(_("the plan of order %(number)s is not confirmed yet; a planner confirms it first",
                         number=plan.order.display_number), field="plan")
    if task.assignee_id != actor.id and not actor.can(PLAN):
        raise PermissionDenied(_("task %(task)s is not yours; only the person responsible or a planner works on it",
                                 task=task.name), permissions=(PLAN,))


def _refuse_closed(plan: ExecutionPlan) -> None:
    order = plan.order
    if order.status not in WORKABLE or plan.status == PlanStatus.CANCELLED:
        raise Conflict(_("order %(number)s is %(status)s; its plan is not worked any more",
                         number=order.display_number, status=_order_status(order)), field="order")


def _note(note: Any) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise ValidationError(_("the note must be text"), field="note")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("the note is longer than %(max)s characters", max=NOTE_MAX), field="note")
    return note or None


def _quantity(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValidationError(_("the quantity done is a number, 0 or more"), field="quantity_done")
    refusal = QUANTITY.refusal(value)
    if refusal is not None:
        raise ValidationError(_("the quantity done %(refusal)s", refusal=refusal), field="quantity_done")
    return value


# --- what other stages tell us -----------------------------------------------------------


def cancel_plan(order: Order) -> None:
    """The order was cancelled: its plan and open tasks are cancelled with it."""
    plan = plan_of(order)
    if plan is None or plan.status == PlanStatus.CANCELLED:
        return
    for task in plan.tasks:
        if task.is_open:
            task.status = TaskStatus.CANCELLED
    plan.status = PlanStatus.CANCELLED
    flush()


def replan(order: Order, change: OrderChange) -> ExecutionPlan | None:
    """An approved change: re-derive the open tasks' dates and flag done work on the lines it changed.

    Lines of a product line the plan has no tasks for yet get their tasks; a line group whose lines
    are all gone has its open tasks cancelled.
    """
    plan = plan_of(order)
    if plan is None:
        return draft_plan(order) if order.status in PLANNABLE else None
    if plan.status == PlanStatus.CANCELLED:
        return plan
    before = _plan_state(plan)
    calendar = calendar_for(order.company_id)
    touched = _touched_lines(change, order, plan)
    current = {line.line_no for line in order.lines}
    groups = {group.template.id: group for group in line_groups(order)}
    for task in plan.tasks:
        group = groups.get(task.template_id) if task.template_id is not None else None
        lines = [line.line_no for line in group.lines] if group else [n for n in task.line_nos if n in current]
        moved = bool(touched & (set(task.line_nos) | set(lines)))
        task.line_nos = lines
        if task.is_open and not lines:
            task.status = TaskStatus.CANCELLED
        elif task.status == TaskStatus.DONE and moved:
            task.invalidated_revision = order.revision
    planned = {task.template_id for task in plan.tasks if task.status != TaskStatus.CANCELLED}
    new_groups = [group for ident, group in groups.items() if ident not in planned]
    day = target_date(order)
    plan.target_date, plan.deadline = day, deadline_of(day, calendar.zone)
    plan.revision = order.revision
    if new_groups:
        _add_groups(plan, new_groups, None)
    _derive_dates(plan, calendar, [task for task in plan.tasks if task.is_open])
    if plan.status == PlanStatus.DONE and any(task.is_open for task in plan.tasks):
        plan.status = PlanStatus.CONFIRMED
    flush()
    audit.record(company_id=plan.company_id, order_id=order.id, entity="execution_plan", entity_id=plan.id,
                 action="plan_replanned", actor=None, before=before, after=_plan_state(plan))
    return plan


def _touched_lines(change: OrderChange, order: Order, plan: ExecutionPlan) -> set[int]:
    """The line numbers whose goods the change alters: new quantities or specifications, removed and added lines.

    A line is new to the plan when no task of it makes it yet (a line no template covers stays in no group).
    """
    touched = {line.line_no for line in change.lines
               if line.line_no is not None and (line.remove or line.quantity is not None
                                                 or line.specification is not None)}
    if any(line.added for line in change.lines):
        planned = {n for task in plan.tasks for n in task.line_nos}
        touched |= {line.line_no for line in order.lines} - planned
    return touched


# --- helpers -------------------------------------------------------------------------


def _status(task: ExecutionTask) -> str:
    return label(task.status)


def _order_status(order: Order) -> str:
    return label(order.status)


def _task_state(task: ExecutionTask) -> dict[str, Any]:
    return {"status": task.status.value, "assignee_id": task.assignee_id,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "depends_on": sorted(other.id for other in task.depends_on),
            **({"quantity_done": str(task.quantity_done)} if task.quantity_done is not None else {})}


def _plan_state(plan: ExecutionPlan) -> dict[str, Any]:
    return {"status": plan.status.value, "target_date": plan.target_date.isoformat(), "revision": plan.revision,
            "tasks": len([task for task in plan.tasks if task.status != TaskStatus.CANCELLED])}
