"""What the portal shows of execution plans outside their own page: the order page's panel and next action,
and the inbox's tasks."""
from __future__ import annotations

from datetime import datetime, time

from flask import url_for
from flask_babel import gettext as _

from core.contracts import OrderAction, Panel, Task, TaskCount
from core.extensions import db
from core.models import Company, Order, User, utcnow
from core.portal import list_url
from plugins.logistics.execution import services
from plugins.logistics.execution.models import PlanStatus
from plugins.logistics.shipments.services import late_before

PANEL = "logistics/execution/order_panel.html"
READERS = ("logistics.view", "logistics.task", "logistics.plan")


def may_read(user: User) -> bool:
    """Whether ``user`` reads execution plans: staff who see shipments, work tasks or plan them."""
    return any(user.can(permission) for permission in READERS)


def plan_panels(order: Order, user: User) -> list[Panel]:
    """The plan's summary on the order page: where it stands, each task's person and due date."""
    if not may_read(user):
        return []
    plan = services.plan_of(order)
    if plan is None:
        return []
    now = utcnow()
    context = {"order": order, "plan": plan, "assessment": services.assess(plan, now), "now": now,
               "plan_url": url_for("logistics_execution.plan", order_id=order.id)}
    return [Panel(_("Execution plan"), PANEL, context, order=350)]


def plan_actions(order: Order, user: User) -> list[OrderAction]:
    """Confirm the drafted plan (a planner), or work on one's own next task of the confirmed plan."""
    if not may_read(user):
        return []
    plan = services.plan_of(order)
    if plan is None or plan.status in (PlanStatus.DONE, PlanStatus.CANCELLED):
        return []
    url = url_for("logistics_execution.plan", order_id=order.id)
    if plan.status == PlanStatus.DRAFT:
        if user.can(services.PLAN):
            return [OrderAction(_("Confirm the execution plan"), url, primary=True, priority=15)]
        return []
    mine = [task for task in plan.tasks if task.is_open and task.assignee_id == user.id]
    if mine:
        return [OrderAction(_("Work on %(task)s", task=mine[0].name), url, primary=True, priority=18)]
    return []


def inbox(user: User, limit: int | None) -> list[Task]:
    """The user's first ``limit`` open tasks of confirmed plans, due soonest first; for a planner, the plans to
    confirm (an inbox list of logistics', merged by due time with its shipping tasks)."""
    tasks: list[Task] = []
    if user.can(services.WORK) or user.can(services.PLAN):
        tasks += [Task(title=_("%(task)s for order %(number)s", task=task.name, number=task.order_number or
                               f"#{task.order_id}"), url=url_for("logistics_execution.plan", order_id=task.order_id),
                       kind="logistics.task", due_at=task.due_at, order_number=task.order_number)
                  for task in services.tasks_waiting(user, limit)]
    if user.can(services.PLAN):
        drafts = services.plans_to_confirm(user, limit)
        zone = db.session.get_one(Company, user.company_id).zone if drafts else None
        tasks += [Task(title=_("Confirm the execution plan of order %(number)s", number=number or f"#{order_id}"),
                       url=url_for("logistics_execution.plan", order_id=order_id), kind="logistics.plan",
                       due_at=datetime.combine(day, time.min, tzinfo=zone), order_number=number)
                  for order_id, number, day in drafts]
    return tasks


def inbox_counts(user: User, now: datetime) -> list[TaskCount]:
    """How many tasks ``inbox`` would list of each kind, and how many are late: a query each."""
    counts: list[TaskCount] = []
    if user.can(services.WORK) or user.can(services.PLAN):
        counts.append(TaskCount("logistics.task", _("My execution tasks"), *services.count_tasks_waiting(user, now),
                                url=list_url(user, services.WORK, "logistics_execution.my_tasks")))
    if user.can(services.PLAN):
        # A plan is late once its date has begun where the company is, as its task's due time says.
        first_on_time = late_before(now, db.session.get_one(Company, user.company_id).zone)
        counts.append(TaskCount("logistics.plan", _("Execution plans to confirm"),
                                *services.count_plans_to_confirm(user, first_on_time),
                                url=list_url(user, "order.view", "orders.index", status="approved")))
    return counts
