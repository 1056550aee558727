"""Hook implementations of the review plugin: thin calls into services and rules."""
from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from datetime import datetime, timedelta

from core.contracts import (
    MENU_SETTINGS, CustomerView, DocumentKind, Finding, Job, MenuItem, OrderAction, OrderChange, Panel, Permission,
    ReviewStepSpec, Task, TaskCount,
)
from core.jobs import per_company
from core.roles import STAFF
from core.hookspecs import hookimpl
from core.models import Order, User, utcnow
from core.portal import list_url, order_url, panel_url
from plugins.review import (
    change_documents, change_labels, change_views, changes, labels, policy, rules, services, sweep,
)
from plugins.review.change_models import ChangeRequest
from plugins.review.models import ReviewStep

PANEL = "review/order_panel.html"

PERMISSIONS = (
    Permission("review.view", _l("See order reviews"), STAFF),
    Permission("review.decide.sales", _l("Decide the sales review step"), ("administrator", "sales")),
    Permission("review.decide.finance", _l("Decide the finance review step"), ("administrator", "finance")),
    Permission("review.decide.production", _l("Decide the production review step"),
               ("administrator", "production")),
    Permission("review.decide.manager", _l("Decide the manager's review step (credit limit)"),
               ("administrator", "manager")),
    Permission(changes.VIEW, _l("See an order's change requests"), STAFF + ("customer",)),
    Permission(changes.REQUEST, _l("Request changes to orders"),
               ("administrator", "sales", "customer_service", "manager", "customer")),
    Permission(changes.ACKNOWLEDGE, _l("Acknowledge an applied change for the customer"),
               ("customer", "customer_service")),
    Permission(services.OVERRIDE, _l("Override a blocking review finding with a reason"),
               ("administrator", "manager")),
    Permission("review.configure", _l("Set the company's review steps, reasons and capacity"), ("administrator",)),
)


# --- stage events ---------------------------------------------------------------


@hookimpl(trylast=True)
def order_submitted(order: Order) -> None:
    # trylast: other listeners see the submission before a rule can end the review at once.
    services.open_review(order)


@hookimpl
def order_cancelled(order: Order, reason: str) -> None:
    services.close_review(order)
    changes.close(order)


# --- review contributions ---------------------------------------------------------


@hookimpl
def review_steps(order: Order) -> list[ReviewStepSpec]:
    return rules.standard_steps(order)


@hookimpl
def review_rules(order: Order, change: OrderChange | None) -> list[Finding]:
    return rules.check(order, change)


# --- access and portal ------------------------------------------------------------


@hookimpl
def ordo_permissions() -> list[Permission]:
    return list(PERMISSIONS)


@hookimpl
def menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Reviews"), "review.queue", "review.view", order=20),
            MenuItem(_l("Review settings"), "review.settings", "review.configure", order=930, group=MENU_SETTINGS)]


@hookimpl
def inbox_count(user: User, now: datetime) -> list[TaskCount]:
    counted = services.count_open_steps(user, now)
    if not counted:
        return []
    (reviews, late_reviews), (changed, late_changes) = counted[False], counted[True]
    queue = list_url(user, "review.view", "review.queue")
    return [TaskCount("review", _("Order reviews to decide"), reviews, late_reviews, url=queue),
            TaskCount("review.change", _("Change requests to decide"), changed, late_changes, url=queue)]


@hookimpl
def inbox_tasks(user: User, limit: int | None) -> list[Task]:
    steps = services.open_steps_for(user, limit)
    deciding = changes.deciding(steps)
    return [_change_task(step, deciding[step.id]) if step.id in deciding else _review_task(step) for step in steps]


def _review_task(step: ReviewStep) -> Task:
    return Task(title=_("Review (%(department)s): %(number)s",
                        department=labels.department(step.department, step.label),
                        number=step.order.display_number),
                url=order_url(step.order_id), kind="review", due_at=step.due_at, order_number=step.order.number)


def _change_task(step: ReviewStep, record: ChangeRequest) -> Task:
    # A change is decided on its own page, beside its diff and impact, not on the order's.
    return Task(title=_("Review change %(change)s (%(department)s)", change=record.number,
                        department=labels.department(step.department, step.label)),
                url=url_for("review_changes.change", change_id=record.id), kind="review.change",
                due_at=step.due_at, order_number=step.order.number)


@hookimpl
def order_actions(order: Order, user: User) -> list[OrderAction]:
    """Deciding an open step this user may decide and has not yet: the form is in the review panel."""
    if user.customer_id is not None or not user.can("review.view"):
        return []
    # The clerk who entered the order may still send its sales step back, but approving it is someone
    # else's: their next action is not the review's.
    step = next((step for step in services.steps_to_decide(order, user) if services.may_approve(user, step)), None)
    if step is None:
        return []
    record = changes.deciding([step]).get(step.id)
    if record is not None:
        return [OrderAction(_("Decide change %(change)s: %(step)s", change=record.number,
                              step=labels.department(step.department, step.label)),
                            url_for("review_changes.change", change_id=record.id), primary=True, priority=10)]
    return [OrderAction(_("Decide: %(step)s", step=labels.department(step.department, step.label)),
                        panel_url(order.id, PANEL), primary=True, priority=10)]


@hookimpl
def order_panels(order: Order, user: User) -> list[Panel]:
    return change_views.panels(order, user) + _review_panels(order, user)


def _review_panels(order: Order, user: User) -> list[Panel]:
    # Reviewers, their reasons and the rules' findings are internal: a customer user sees the
    # review's outcome on the timeline only, whatever permissions their role was given.
    if user.customer_id is not None or not user.can("review.view"):
        return []
    rounds = services.rounds(order)
    if not rounds:
        return []
    decidable = services.steps_to_decide(order, user)
    context = {
        "order": order,
        "review_rounds": rounds,
        "review_steps_open": decidable,
        "review_step": decidable[0] if decidable else None,
        "review_not_approvable": {step.id for step in decidable if not services.may_approve(user, step)},
        "review_change_of": changes.deciding(decidable),
        "review_reasons": policy.reason_choices(order.company_id),
        "review_can_override": user.can(services.OVERRIDE),
        "review_labels": labels,
        "now": utcnow(),
    }
    return [Panel(_("Review"), PANEL, context, order=200)]


@hookimpl
def ordo_labels() -> Mapping[str, Mapping[str, object]]:
    return change_labels.merged(labels.LABELS)


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("review.sweep", timedelta(minutes=5), per_company("review", sweep.sweep),
                description="Remind and escalate review steps past their limit in working hours")]


# The review's own actions are internal: a customer sees the review's outcome on the core's
# "review_decided" entry (customer_timeline_actions below lists only the change requests').


# --- change requests ---------------------------------------------------------------


@hookimpl(trylast=True)
def change_requested(order: Order, change: OrderChange) -> None:
    # trylast: other listeners see the request before a rule can end its review at once.
    changes.open_review(order, change)


@hookimpl
def order_changed(order: Order, change: OrderChange) -> None:
    changes.applied(order, change)


@hookimpl
def customer_timeline_actions() -> dict[str, CustomerView]:
    # A customer sees what became of their change and their acknowledgement; never the reviewers' reasons.
    return {"change_decided": CustomerView(frozenset({"status", "outcome", "change"})),
            "change_acknowledged": CustomerView(frozenset({"change"}))}


@hookimpl
def document_kinds() -> list[DocumentKind]:
    return [change_documents.CHANGE_REQUEST_FORM]
