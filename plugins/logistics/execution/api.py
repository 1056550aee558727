"""API of execution plans: an order's plan, its tasks (milestones) started, completed and re-planned, templates."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy.orm.util import identity_key

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.errors import NotFound
from core.extensions import db
from core.models import User, utcnow
from plugins.logistics.execution import catalog, services
from plugins.logistics.execution.models import ExecutionPlan, ExecutionTask, ExecutionTemplate
from plugins.logistics.execution.panels import READERS
from plugins.logistics.execution.schemas import (
    ExecutionConfirmSchema, ExecutionSchema, ExecutionTemplateInputSchema, ExecutionTemplatePatchSchema,
    ExecutionTemplateSchema, MilestoneAdjustSchema, MilestoneCompleteSchema, MilestoneSchema, MilestoneStartSchema,
)
from plugins.logistics.execution.services import PLAN, WORK

blp = ApiBlueprint("logistics_execution_api", __name__,
                   description="Execution plans: tasks with people, due dates and dependencies; templates")

TEMPLATE_READERS = (catalog.EDIT, PLAN)


def execution(plan: ExecutionPlan) -> dict[str, Any]:
    """The plan as the API shows it, assessed now."""
    assessment = services.assess(plan, utcnow())
    people = _people({task.completed_by_id for task in plan.tasks} | {plan.confirmed_by_id})
    behind = {task.id for task in assessment.behind}
    risk = services.risk_of(plan)
    return {
        "id": plan.id, "order_id": plan.order_id, "order_number": plan.order.number,
        "order_status": plan.order.status.value, "status": plan.status, "revision": plan.revision,
        "target_date": plan.target_date, "deadline": plan.deadline, "on_time": assessment.on_time,
        "can_meet": assessment.can_meet, "earliest_finish": assessment.earliest_finish,
        "drafted_at": plan.drafted_at, "confirmed_at": plan.confirmed_at,
        "confirmed_by": people.get(plan.confirmed_by_id), "accepted_late": plan.accepted_late,
        "at_risk": bool(risk and risk.at_risk), "expected_date": risk.expected_date if risk else None,
        "risk_checked_at": risk.checked_at if risk else None,
        "tasks": [task_payload(task, assessment.latest_starts.get(task.id), task.id in behind, people)
                  for task in plan.tasks],
        "version": plan.version,
    }


def task_payload(task: ExecutionTask, latest_start: Any = None, behind: bool = False,
                 people: dict[int | None, dict[str, Any]] | None = None) -> dict[str, Any]:
    people = people if people is not None else _people({task.completed_by_id})
    return {
        "id": task.id, "order_id": task.order_id, "key": task.key, "name": task.name, "kind": task.kind,
        "group_name": task.group_name, "template_id": task.template_id, "line_nos": task.line_nos,
        "role": task.role, "hours": task.hours, "due_at": task.due_at, "latest_start": latest_start,
        "behind": behind, "status": task.status, "depends_on": [other.id for other in task.depends_on],
        "assignee": {"id": task.assignee.id, "name": task.assignee.name} if task.assignee else None,
        "started_at": task.started_at, "completed_at": task.completed_at,
        "completed_by": people.get(task.completed_by_id), "note": task.note, "quantity_done": task.quantity_done,
        "invalidated_revision": task.invalidated_revision, "order_status": task.plan.order.status.value,
        "version": task.version,
    }


def _people(ids: set[int | None]) -> dict[int | None, dict[str, Any]]:
    wanted = [ident for ident in ids if ident is not None]
    # Often the caller, whom the session holds already: only the others are read.
    held = {ident: user for ident in wanted
            if isinstance(user := db.session.identity_map.get(identity_key(User, ident)), User)}
    missing = [ident for ident in wanted if ident not in held]
    if missing:
        held.update((user.id, user) for user in db.session.execute(db.select(User).where(User.id.in_(missing)))
                    .scalars())
    return {ident: {"id": user.id, "name": user.name} for ident, user in held.items()}


def _plan(order_id: int) -> ExecutionPlan:
    order, plan = services.order_and_plan(require_actor(), order_id)
    if plan is None:
        raise NotFound(_("order %(number)s has no execution plan", number=order.display_number))
    return plan


@blp.route("/orders/<id:order_id>/execution")
class OrderExecution(MethodView):
    @requires(READERS)
    @blp.response(200, ExecutionSchema)
    def get(self, order_id):
        """The order's execution plan: tasks, dependencies, people, due and done times, and whether it is on time.

        404 when the order has none (no template covers its lines, or logistics is not pinned on it).
        """
        return execution(_plan(order_id))


@blp.route("/orders/<id:order_id>/execution/confirm")
class OrderExecutionConfirm(MethodView):
    @requires(PLAN)
    @blp.arguments(ExecutionConfirmSchema)
    @blp.response(200, ExecutionSchema)
    def post(self, data, order_id):
        """Confirm the drafted plan; 409 naming what is late unless ``accept_late``, 400 for a task without
        anyone responsible."""
        plan = _plan(order_id)
        services.confirm_plan(plan, require_actor(), accept_late=data["accept_late"])
        return execution(plan)


@blp.route("/milestones/<id:task_id>")
class Milestone(MethodView):
    @requires(PLAN)
    @blp.arguments(MilestoneAdjustSchema)
    @blp.response(200, MilestoneSchema)
    def patch(self, data, task_id):
        """Re-plan a task: the person responsible, the due date, the tasks it waits for (a loop is a 400
        naming it)."""
        actor = require_actor()
        task = services.get_task(actor, task_id)
        changes = {name: data[name] for name in ("assignee_id", "due_at", "depends_on") if name in data}
        return task_payload(services.adjust_task(task, actor, accept_late=data["accept_late"], **changes))


@blp.route("/milestones/<id:task_id>/start")
class MilestoneStart(MethodView):
    @requires((WORK, PLAN))
    @blp.arguments(MilestoneStartSchema)
    @blp.response(200, MilestoneSchema)
    def post(self, data, task_id):
        """Start a task (its person, or a planner). The first production task asks the execution gates (409 with
        their reasons) and puts the order into production."""
        actor = require_actor()
        return task_payload(services.start_task(services.get_task(actor, task_id), actor))


@blp.route("/milestones/<id:task_id>/complete")
class MilestoneComplete(MethodView):
    @requires((WORK, PLAN))
    @blp.arguments(MilestoneCompleteSchema)
    @blp.response(200, MilestoneSchema)
    def post(self, data, task_id):
        """Complete a task, with a note and the quantity done; 409 while a task it waits for is not done (named),
        when it is done already or its order cancelled; 403 for someone neither responsible nor a planner."""
        actor = require_actor()
        task = services.get_task(actor, task_id)
        return task_payload(services.complete_task(task, actor, note=data.get("note"),
                                                   quantity_done=data.get("quantity_done")))


@blp.route("/execution-templates")
class Templates(MethodView):
    @requires(TEMPLATE_READERS)
    @blp.response(200, ExecutionTemplateSchema(many=True))
    def get(self):
        """The company's execution templates, one per product line."""
        actor = require_actor()
        return list(db.session.execute(catalog.templates_of(actor.company_id)
                                       .order_by(ExecutionTemplate.code)).scalars())

    @requires(catalog.EDIT)
    @blp.arguments(ExecutionTemplateInputSchema)
    @blp.response(201, ExecutionTemplateSchema)
    def post(self, data):
        """A new template: its tasks (departments, people, working hours, dependencies) and its products."""
        return catalog.create_template(require_actor(), data)


@blp.route("/execution-templates/<id:template_id>")
class TemplateItem(MethodView):
    @requires(TEMPLATE_READERS)
    @blp.response(200, ExecutionTemplateSchema)
    def get(self, template_id):
        return catalog.get_template(require_actor(), template_id)

    @requires(catalog.EDIT)
    @blp.arguments(ExecutionTemplatePatchSchema(partial=True))
    @blp.response(200, ExecutionTemplateSchema)
    def patch(self, data, template_id):
        """Change a template; ``tasks`` and ``product_ids`` replace its own. Plans drafted already keep theirs."""
        actor = require_actor()
        return catalog.update_template(catalog.get_template(actor, template_id), actor, data)

    @requires(catalog.EDIT)
    @blp.response(204)
    def delete(self, template_id):
        """Remove a template; plans drafted from it keep their tasks."""
        actor = require_actor()
        catalog.delete_template(catalog.get_template(actor, template_id), actor)
