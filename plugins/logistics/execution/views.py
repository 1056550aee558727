"""Portal pages of execution plans: the plan of an order (timeline, tasks, the planner's and the workers'
forms), "my tasks" (a list view with time left) and the templates administrators edit."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from wtforms.validators import StopValidation

from core.auth.context import require_actor, requires
from core.charts import Chart, ChartKind, chart
from core.entry.forms import attempt_on, edit_rows
from core.extensions import db
from core.labels import choices, label
from core.listview import Column, Filter, GroupBy, Kind, ListSpec, list_response, order_column
from core.models import Company, Customer, Order, User, utcnow
from core.sqlite import rarely
from core.orders.queries import get_order
from core.web import attempt, flash_form_errors
from plugins.logistics.execution import catalog, services
from plugins.logistics.execution.forms import (
    AdjustTaskForm, CompleteTaskForm, ConfirmPlanForm, StartTaskForm, TemplateForm, choose, task_rows,
)
from plugins.logistics.execution.models import (
    ExecutionPlan, ExecutionTask, ExecutionTemplate, PlanStatus, TaskKind, TaskStatus,
)
from plugins.logistics.execution.panels import READERS
from plugins.logistics.execution.services import PLAN, WORK

bp = Blueprint("logistics_execution", __name__)

HOUR = Decimal(3600)


# --- my tasks ------------------------------------------------------------------------


def _my_tasks(user: User) -> Select[Any]:
    # One person's share of the company's tasks: SQLite's averages (two assignees with 128,000 tasks each in the
    # benchmark's data) would have it count the page by walking every order instead of the assignee's index.
    return (services.visible_tasks(user).join(Customer, Order.customer_id == Customer.id)
            .where(rarely(ExecutionTask.assignee_id == user.id)))


MY_TASKS = ListSpec(
    name="my-tasks",
    source=_my_tasks,
    id=ExecutionTask.id,
    columns=(
        Column("name", _l("Task"), ExecutionTask.name, sortable=True),
        order_column(),
        Column("customer", _l("Customer"), Customer.name),
        Column("group", _l("Product line"), ExecutionTask.group_name),
        Column("kind", _l("Kind"), ExecutionTask.kind, Kind.CODE),
        Column("status", _l("Status"), ExecutionTask.status, Kind.CODE, badge=True),
        Column("due_at", _l("Time left"), ExecutionTask.due_at, Kind.DATETIME, sortable=True, deadline=True),
        Column("hours", _l("Working hours"), ExecutionTask.hours, Kind.NUMBER),
        Column("completed_at", _l("Done"), ExecutionTask.completed_at, Kind.DATETIME, sortable=True),
    ),
    search=(ExecutionTask.name, ExecutionTask.group_name, Order.number, Customer.name, Customer.code),
    filters=(
        Filter("status", _l("Status"), ExecutionTask.status, choices=TaskStatus),
        Filter("kind", _l("Kind"), ExecutionTask.kind, choices=TaskKind),
    ),
    group_bys=(
        GroupBy("status", _l("Status"), ExecutionTask.status, filter="status"),
        GroupBy("kind", _l("Kind"), ExecutionTask.kind, filter="kind"),
    ),
    default_sort="due_at",
    carry={"order_id": ExecutionTask.order_id},
)


@bp.route("/my-tasks")
@requires(WORK)
def my_tasks():
    return list_response(MY_TASKS, require_actor(), "logistics/execution/my_tasks.html")


# --- an order's plan -----------------------------------------------------------------------


def _plan_for(user: User, order_id: int) -> tuple[Order, ExecutionPlan]:
    order = get_order(user, order_id)
    plan = services.plan_of(order)
    if plan is None:
        abort(404)
    return order, plan


def timeline_chart(assessment: services.Assessment) -> Chart:
    """The plan as bars: each open or done task from its (latest) start to its due date, in days from the
    promised date (0: the start of that day; negative: before it)."""
    plan = assessment.plan
    rows = []
    for task in plan.tasks:
        if task.status == TaskStatus.CANCELLED:
            continue
        start = (task.started_at if task.status != TaskStatus.OPEN and task.started_at
                 else assessment.latest_starts.get(task.id) or task.started_at or task.due_at)
        end = task.completed_at if task.status == TaskStatus.DONE and task.completed_at else task.due_at
        rows.append((task.name, [_days(start, plan.deadline), _days(max(end, start), plan.deadline)]))
    return chart("plan-timeline", ChartKind.RANGE, _("Plan against the promised date"), _("Task"), rows,
                 [_("Starts (days from the promised date)"), _("Ends (days from the promised date)")])


def _days(moment: datetime, deadline: datetime) -> Decimal:
    return (Decimal((moment - deadline).total_seconds()) / HOUR / 24).quantize(Decimal("0.1"))


@bp.route("/orders/<id:order_id>/execution")
@requires(READERS)
def plan(order_id: int):
    user = require_actor()
    order, plan = _plan_for(user, order_id)
    now = utcnow()
    assessment = services.assess(plan, now)
    is_planner = user.can(PLAN)
    staff = catalog.staff(user.company_id) if is_planner else []
    zone = db.session.get_one(Company, user.company_id).zone
    adjust_forms = {}
    if is_planner and plan.status in (PlanStatus.DRAFT, PlanStatus.CONFIRMED):
        for task in plan.tasks:
            if task.is_open:
                form = AdjustTaskForm(formdata=None, prefix=f"task{task.id}",
                                      due_at=task.due_at.astimezone(zone).replace(tzinfo=None),
                                      assignee_id=task.assignee_id, depends_on=[d.id for d in task.depends_on])
                form.assignee_id.choices = [("", _("Nobody yet"))] + [(p.id, p.name) for p in staff]
                form.depends_on.choices = [(other.id, other.name) for other in plan.tasks
                                           if other is not task and other.status != TaskStatus.CANCELLED]
                adjust_forms[task.id] = form
    return render_template(
        "logistics/execution/plan.html", order=order, plan=plan, assessment=assessment, now=now,
        timeline=timeline_chart(assessment), is_planner=is_planner, adjust_forms=adjust_forms,
        confirm_form=ConfirmPlanForm(formdata=None) if is_planner and plan.status == PlanStatus.DRAFT else None,
        complete_forms={task.id: CompleteTaskForm(formdata=None, prefix=f"done{task.id}") for task in plan.tasks},
        may_work=lambda task: plan.status == PlanStatus.CONFIRMED and task.is_open
        and (task.assignee_id == user.id or is_planner),
        people={person.id: person.name for person in staff},
    )


@bp.route("/orders/<id:order_id>/execution/confirm", methods=["POST"])
@requires(PLAN)
def confirm(order_id: int):
    user = require_actor()
    _order, plan = _plan_for(user, order_id)
    form = ConfirmPlanForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.confirm_plan(plan, user, accept_late=form.accept_late.data)):
        flash(_("The execution plan is confirmed."), "success")
    return redirect(url_for(".plan", order_id=order_id))


@bp.route("/execution/tasks/<id:task_id>/adjust", methods=["POST"])
@requires(PLAN)
def adjust(task_id: int):
    user = require_actor()
    task = services.get_task(user, task_id)
    form = AdjustTaskForm(prefix=f"task{task.id}")
    form.assignee_id.choices = [("", "")] + [(p.id, p.name) for p in catalog.staff(user.company_id)]
    form.depends_on.choices = [(other.id, other.name) for other in task.plan.tasks]
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        zone = db.session.get_one(Company, user.company_id).zone
        due = form.due_at.data.replace(tzinfo=zone) if form.due_at.data else None
        if attempt(lambda: services.adjust_task(task, user, assignee_id=form.assignee_id.data, due_at=due,
                                                depends_on=list(form.depends_on.data or []),
                                                accept_late=form.accept_late.data)):
            flash(_("%(task)s is re-planned.", task=task.name), "success")
    return redirect(url_for(".plan", order_id=task.order_id))


@bp.route("/execution/tasks/<id:task_id>/start", methods=["POST"])
@requires((WORK, PLAN))
def start(task_id: int):
    user = require_actor()
    task = services.get_task(user, task_id)
    form = StartTaskForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.start_task(task, user)):
        flash(_("%(task)s is started.", task=task.name), "success")
    return redirect(request.form.get("next") or url_for(".plan", order_id=task.order_id))


@bp.route("/execution/tasks/<id:task_id>/complete", methods=["POST"])
@requires((WORK, PLAN))
def complete(task_id: int):
    user = require_actor()
    task = services.get_task(user, task_id)
    form = CompleteTaskForm(prefix=f"done{task.id}")
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.complete_task(task, user, note=form.note.data,
                                                quantity_done=form.quantity_done.data)):
        flash(_("%(task)s is done.", task=task.name), "success")
    return redirect(url_for(".plan", order_id=task.order_id))


# --- templates -----------------------------------------------------------------------------


TEMPLATE_LIST = ListSpec(
    name="execution-templates",
    source=lambda user: catalog.templates_of(user.company_id),
    id=ExecutionTemplate.id,
    columns=(
        Column("code", _l("Code"), ExecutionTemplate.code, sortable=True,
               href=lambda row: url_for("logistics_execution.template", template_id=row.id)),
        Column("name", _l("Product line"), ExecutionTemplate.name, sortable=True),
        Column("is_default", _l("Default"), ExecutionTemplate.is_default, Kind.BOOL),
        Column("active", _l("In use"), ExecutionTemplate.active, Kind.BOOL),
        Column("changed_at", _l("Changed"), ExecutionTemplate.changed_at, Kind.DATETIME, sortable=True),
    ),
    search=(ExecutionTemplate.code, ExecutionTemplate.name),
    default_sort="code",
)


@bp.route("/execution-templates")
@requires(catalog.EDIT)
def templates():
    return list_response(TEMPLATE_LIST, require_actor(), "logistics/execution/templates.html")


@bp.route("/execution-templates/new", methods=["GET", "POST"])
@requires(catalog.EDIT)
def new_template():
    return _edit_template(require_actor(), None)


@bp.route("/execution-templates/<id:template_id>", methods=["GET", "POST"])
@requires(catalog.EDIT)
def template(template_id: int):
    user = require_actor()
    return _edit_template(user, catalog.get_template(user, template_id))


@bp.route("/execution-templates/<id:template_id>/delete", methods=["POST"])
@requires(catalog.EDIT)
def delete_template(template_id: int):
    user = require_actor()
    template = catalog.get_template(user, template_id)
    form = StartTaskForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: catalog.delete_template(template, user)):
        flash(_("Template %(code)s is deleted.", code=template.code), "success")
    return redirect(url_for(".templates"))


def _edit_template(user: User, template: ExecutionTemplate | None) -> Any:
    form = TemplateForm(obj=template) if request.method == "GET" and template else TemplateForm()
    if request.method == "GET" and template is not None:
        _fill_rows(form, template)
    product_ids = _product_ids(template)
    staff = catalog.staff(user.company_id)
    choose(form, choices(TaskKind), [("", _("(a person)"))] + [(name, label(name, "role"))
                                                               for name in catalog.role_names(user.company_id)],
           [("", _("(the least-loaded member)"))] + [(person.id, person.name) for person in staff])
    if request.method == "POST":
        if "remove_product" in request.form:
            product_ids = [ident for ident in product_ids if str(ident) != request.form["remove_product"]]
        elif "add_product" in request.form:
            _add_product(form, product_ids)
        elif edit_rows(form.lines, request.form):
            choose(form, choices(TaskKind), form.lines[0].form.role.choices, form.lines[0].form.user_id.choices)
        elif form.validate_on_submit():
            data = {"code": form.code.data, "name": form.name.data, "is_default": form.is_default.data,
                    "active": form.active.data, "product_ids": product_ids, "tasks": task_rows(form)}
            saved = attempt_on(form, lambda: catalog.update_template(template, user, data) if template
                               else catalog.create_template(user, data))
            if saved is not None:
                flash(_("Template %(code)s is saved.", code=saved.code), "success")
                return redirect(url_for(".template", template_id=saved.id))
    products = catalog.products_named(user.company_id, product_ids)
    return render_template("logistics/execution/template.html", form=form, template=template,
                           products=products, product_ids=product_ids)


def _add_product(form: TemplateForm, product_ids: list[int]) -> None:
    """"Add the product": the picked (or, without scripts, typed) product joins the line; an error stays beside it."""
    try:
        form.product.pre_validate(form)
    except StopValidation as error:
        form.product.errors = [str(error)]
        return
    picked = form.product.row
    if picked is None:
        return
    if picked.id not in product_ids:
        product_ids.append(picked.id)
    form.product.data, form.product.text, form.product.row = None, "", None


def _product_ids(template: ExecutionTemplate | None) -> list[int]:
    if request.method == "POST":
        return [int(value) for value in request.form.getlist("product_ids") if value.isdigit()]
    return [row.product_id for row in template.product_rows] if template else []


def _fill_rows(form: TemplateForm, template: ExecutionTemplate) -> None:
    while len(form.lines) < len(template.tasks):
        form.lines.append_entry()
    for row, task in zip(form.lines, template.tasks, strict=False):
        row.form.key.data, row.form.name.data = task.key, task.name
        row.form.kind.data, row.form.role.data = task.kind.value, task.role or ""
        row.form.user_id.data, row.form.hours.data = task.user_id, task.hours
        row.form.depends_on.data = ", ".join(task.depends_on)
