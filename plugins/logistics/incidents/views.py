"""Portal side of incidents: the order page's panel (at-risk state, incidents, notices) and its forms' POSTs."""
from __future__ import annotations

from flask import Blueprint, flash, redirect
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.contracts import Panel, Task, TaskCount
from core.formatting import format_date
from core.labels import choices, label
from core.models import Order, User
from core.orders.queries import get_order
from core.portal import list_url, order_url
from core.web import attempt, flash_form_errors
from plugins.logistics.execution import services as execution
from plugins.logistics.incidents import services, sweep
from plugins.logistics.incidents.forms import (
    ConfirmNoticeForm, EscalateForm, IncidentForm, ResolveForm,
)
from plugins.logistics.incidents.models import IncidentKind, NoticeStatus

bp = Blueprint("logistics_incidents", __name__)

PANEL = "logistics/incidents/order_panel.html"
READERS = ("logistics.view", "logistics.task", "logistics.plan", services.RECORD)


def incident_form(order: Order) -> IncidentForm:
    form = IncidentForm(prefix="incident")
    form.kind.choices = choices(IncidentKind)
    plan = execution.plan_of(order)
    form.task_id.choices = [(None, _("The whole order"))] + [
        (task.id, task.name) for task in (plan.tasks if plan else []) if task.is_open]
    return form


def panels(order: Order, user: User) -> list[Panel]:
    """The order page's incidents and at-risk state, for staff who read plans or record incidents."""
    if not any(user.can(permission) for permission in READERS):
        return []
    incidents = services.incidents_of(order)
    plan = execution.plan_of(order)
    risk = execution.risk_of(plan) if plan is not None else None
    may_record = user.can(services.RECORD) and order.status in services.OPEN_ORDERS
    if not incidents and not may_record and not (risk and risk.at_risk):
        return []
    notices = sweep.notices_of(order)
    context = {
        "order": order, "incidents": incidents, "risk": risk, "notices": notices,
        "form": incident_form(order) if may_record else None,
        "may_record": user.can(services.RECORD),
        "may_resolve": {incident.id for incident in incidents if services.may_resolve(user, incident)},
        "may_notify": user.can(sweep.NOTIFY), "pending": NoticeStatus.PENDING,
        "resolve_form": ResolveForm(formdata=None), "escalate_form": EscalateForm(formdata=None),
        "notice_form": ConfirmNoticeForm(formdata=None),
    }
    return [Panel(_("Incidents and delays"), PANEL, context, order=360)]


@bp.route("/orders/<id:order_id>/incidents", methods=["POST"])
@requires(services.RECORD)
def record(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    form = incident_form(order)
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.record_incident(order, user, kind=form.kind.data, delay_hours=form.delay_hours.data,
                                                  description=form.description.data, task_id=form.task_id.data)):
        flash(_("The incident is recorded."), "success")
    return redirect(order_url(order.id))


@bp.route("/incidents/<id:incident_id>/escalate", methods=["POST"])
@requires(services.RECORD)
def escalate(incident_id: int):
    user = require_actor()
    incident = services.get_incident(user, incident_id)
    form = EscalateForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.escalate_incident(incident, user)):
        flash(_("The incident is escalated."), "success")
    return redirect(order_url(incident.order_id))


@bp.route("/incidents/<id:incident_id>/resolve", methods=["POST"])
@requires(services.RECORD)
def resolve(incident_id: int):
    user = require_actor()
    incident = services.get_incident(user, incident_id)
    form = ResolveForm(prefix=f"resolve{incident.id}")
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.resolve_incident(incident, user, form.resolution.data)):
        flash(_("The incident is resolved."), "success")
    return redirect(order_url(incident.order_id))


@bp.route("/delay-notices/<id:notice_id>/send", methods=["POST"])
@requires(sweep.NOTIFY)
def send_notice(notice_id: int):
    user = require_actor()
    notice = sweep.get_notice(user, notice_id)
    form = ConfirmNoticeForm(prefix=f"notice{notice.id}")
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: sweep.confirm_notice(notice, user, form.message.data)):
        flash(_("The customer is told of the new date."), "success")
    return redirect(order_url(notice.order_id))


# Items listed one by one in the inbox; the rest are one line with their count.
def inbox(user: User, limit: int | None) -> list[Task]:
    """For a manager, the open incidents escalated to them; for a salesperson, the new dates to confirm to their
    customers: the first ``limit`` of each, oldest first, one query each, however many there are."""
    tasks: list[Task] = []
    if user.can(services.RECORD) or user.can(services.ESCALATIONS):
        tasks += [Task(title=_("Escalated incident on order %(number)s: %(kind)s", number=number or f"#{order_id}",
                               kind=label(kind)), url=order_url(order_id), kind="logistics.incident",
                       order_number=number)
                  for _id, order_id, number, kind in services.escalated_to_me(user, limit)]
    if user.can(sweep.NOTIFY):
        tasks += [Task(title=_("Order %(number)s is at risk: confirm the new date %(date)s to the customer",
                               number=number or f"#{order_id}", date=format_date(day)),
                       url=order_url(order_id), kind="logistics.delay_notice", order_number=number)
                  for _id, order_id, number, day in sweep.notices_to_confirm(user, limit)]
    return tasks


def inbox_counts(user: User) -> list[TaskCount]:
    """How many tasks ``inbox`` would list of each kind (none has a deadline): one query each."""
    counts: list[TaskCount] = []
    if user.can(services.RECORD) or user.can(services.ESCALATIONS):
        counts.append(TaskCount("logistics.incident", _("Escalated incidents"), services.count_escalated_to_me(user),
                                url=list_url(user, "order.view", "orders.index")))
    if user.can(sweep.NOTIFY):
        counts.append(TaskCount("logistics.delay_notice", _("New dates to confirm to customers"),
                                sweep.count_notices_to_confirm(user), url=list_url(user, "order.view", "orders.index")))
    return counts
