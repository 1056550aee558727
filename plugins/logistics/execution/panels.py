"""What the order page shows of the execution plan: its panel, and the plan's next action for the user."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from core.contracts import OrderAction, Panel
from core.models import Order, User, utcnow
from plugins.logistics.execution import services
from plugins.logistics.execution.models import PlanStatus

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
