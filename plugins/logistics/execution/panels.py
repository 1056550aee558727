"""What the portal shows of execution plans outside their own page: the order page's panel and next action,
and the inbox's tasks."""
from __future__ import annotations

from datetime import datetime, time

from flask import url_for
from flask_babel import gettext as _

from core.contracts import OrderAction, Panel, Task
from core.extensions import db
from core.models import Company, Order, User, utcnow
from plugins.logistics.execution import services
from plugins.logistics.execution.models import PlanStatus

PANEL = "logistics/execution/order_panel.html"
READERS = ("logistics.view", "logistics.task", "logistics.plan")
# Tasks listed one by one in the inbox; the rest are one line with their count, linking to "my tasks".
INBOX_TASKS = 20


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


def inbox(user: User) -> list[Task]:
    """The user's open tasks of confirmed plans, due soonest first; for a planner, the plans to confirm."""
    tasks: list[Task] = []
    if user.can(services.WORK) or user.can(services.PLAN):
        waiting, total = services.tasks_waiting(user, INBOX_TASKS)
        tasks += [Task(title=_("%(task)s for order %(number)s", task=task.name, number=task.order_number or
                               f"#{task.order_id}"), url=url_for("logistics_execution.plan", order_id=task.order_id),
                       kind="logistics.task", due_at=task.due_at, order_number=task.order_number)
                  for task in waiting]
        if total > len(waiting):
            tasks.append(Task(title=_("%(count)s more of my tasks", count=total - len(waiting)),
                              url=url_for("logistics_execution.my_tasks"), kind="logistics.task",
                              count=total - len(waiting)))
    if user.can(services.PLAN):
        drafts, total = services.plans_to_confirm(user, INBOX_TASKS)
        zone = db.session.get_one(Company, user.company_id).zone if drafts else None
        tasks += [Task(title=_("Confirm the execution plan of order %(number)s", number=number or f"#{order_id}"),
                       url=url_for("logistics_execution.plan", order_id=order_id), kind="logistics.plan",
                       due_at=datetime.combine(day, time.min, tzinfo=zone), order_number=number)
                  for order_id, number, day in drafts]
        if total > len(drafts):
            tasks.append(Task(title=_("%(count)s more execution plans to confirm", count=total - len(drafts)),
                              url=url_for("orders.index", status="approved"), kind="logistics.plan",
                              count=total - len(drafts)))
    return tasks
