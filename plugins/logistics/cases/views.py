"""Portal side of problem cases: the order's cases panel (report a problem, resolve a case) and the inbox."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.contracts import Panel, Task, TaskCount
from core.labels import label
from core.models import Order, User
from core.orders.queries import get_order
from core.portal import list_url, order_url
from core.entry.forms import attempt_on
from core.web import attempt, flash_form_errors
from plugins.logistics.cases import services
from plugins.logistics.cases.forms import ReportForm, ResolveForm, line_choices

bp = Blueprint("logistics_cases", __name__)
PANEL = "logistics/cases_panel.html"
REPORT_PAGE = "logistics/cases/report.html"


def panels(order: Order, user: User) -> list[Panel]:
    """The order's cases, a form to report a problem once goods are delivered, a form to resolve each open case."""
    if not user.can("logistics.cases"):
        return []
    cases = services.cases_of(order)
    may_report = order.status in services.REPORTABLE
    if not cases and not may_report:
        return []
    context = {"order": order, "cases": cases, "may_report": may_report,
               "resolve_form": ResolveForm(formdata=None) if user.can("logistics.cases.resolve") else None,
               "sees_prices": user.can("order.view_prices")}
    return [Panel(_("Problem cases"), PANEL, context, order=410)]


def inbox(user: User, limit: int | None) -> list[Task]:
    """The first ``limit`` open cases of the user's departments, most urgent first (one query)."""
    if not user.can("logistics.cases.resolve"):
        return []
    return [Task(title=_("Problem case %(number)s: %(kind)s", number=case.number, kind=label(case.case_type)),
                 url=order_url(case.order_id), kind="logistics.case", due_at=case.due_at,
                 order_number=case.order.number)
            for case in services.open_cases(user, limit)]


def inbox_counts(user: User, now: datetime) -> list[TaskCount]:
    """How many cases ``inbox`` would list, late apart: one query."""
    if not user.can("logistics.cases.resolve"):
        return []
    return [TaskCount("logistics.case", _("Problem cases"), *services.count_open_cases(user, now),
                      url=list_url(user, "order.view", "orders.index"))]


def report_page(order: Order, form: ReportForm | None = None) -> str:
    form = form or ReportForm(formdata=None)
    form.order_line_id.choices = line_choices(order)
    return render_template(REPORT_PAGE, order=order, form=form)


@bp.route("/orders/<id:order_id>/cases/new")
@requires("logistics.cases")
def new_report(order_id: int):
    return report_page(get_order(require_actor(), order_id))


@bp.route("/orders/<id:order_id>/cases", methods=["POST"])
@requires("logistics.cases")
def report(order_id: int):
    """Report a problem; a refused report comes back with the error beside its field and the text kept."""
    user = require_actor()
    order = get_order(user, order_id)
    form = ReportForm()
    if form.validate_on_submit():
        case = attempt_on(form, lambda: services.report_problem(order, user, form.data_for_service()))
        if case is not None:
            flash(_("Problem case %(number)s is opened.", number=case.number), "success")
            return redirect(order_url(order_id))
        order = get_order(user, order_id)
    return report_page(order, form), 422


@bp.route("/cases/<id:case_id>/resolve", methods=["POST"])
@requires("logistics.cases.resolve")
def resolve(case_id: int):
    user = require_actor()
    case = services.get_case(user, case_id)
    order_id, number = case.order_id, case.number
    form = ResolveForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.resolve(case, user, form.resolution.data, note=form.note.data,
                                          amount=form.amount.data)):
        flash(_("Problem case %(number)s is resolved.", number=number), "success")
    return redirect(order_url(order_id))
