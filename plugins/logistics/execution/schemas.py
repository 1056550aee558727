"""Marshmallow schemas of the execution API: they validate requests and write the OpenAPI document.

A plan carries no amounts (quantities and dates only), so every reader of it sees all of it.
"""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from core.api.fields import MONEY_FLAG, FixedDecimal, IdField, QuantityField
from plugins.logistics.execution.catalog import CODE_MAX, MAX_HOURS, MAX_PRODUCTS, MAX_TASKS, NAME_MAX
from plugins.logistics.execution.models import HOURS_FIGURE, PlanStatus, TaskKind, TaskStatus
from plugins.logistics.execution.services import NOTE_MAX


def HoursField(**kwargs) -> FixedDecimal:  # noqa: N802 - reads like a type
    kwargs.setdefault("validate", validate.Range(min=Decimal("0.01"), max=MAX_HOURS))
    return hours_figure(example="8", **kwargs)


def hours_figure(**kwargs) -> FixedDecimal:
    """Working hours: a figure every role sees, never an amount."""
    kwargs["metadata"] = {MONEY_FLAG: False, **(kwargs.get("metadata") or {})}
    return FixedDecimal(HOURS_FIGURE, **kwargs)


class TaskPersonSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class MilestoneSchema(ma.Schema):
    """A task of a plan (a milestone): who, by when, after what, and how it went."""

    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    key = ma.fields.String(metadata={"description": "the template task it was drafted from"})
    name = ma.fields.String()
    kind = ma.fields.Enum(TaskKind, by_value=True)
    group = ma.fields.String(attribute="group_name", metadata={"description": "the product line (template) "
                                                                              "whose lines it makes"})
    template_id = ma.fields.Integer(allow_none=True)
    line_nos = ma.fields.List(ma.fields.Integer(), metadata={"description": "the order's lines it makes"})
    department = ma.fields.String(attribute="role", allow_none=True)
    assignee = ma.fields.Nested(TaskPersonSchema, allow_none=True, metadata={"description": "the person responsible"})
    hours = hours_figure(metadata={"description": "its duration in working hours"})
    due_at = ma.fields.AwareDateTime()
    latest_start = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "an open task: when it must start to be done by its due date, in working hours"})
    behind = ma.fields.Boolean(metadata={"description": "an open task whose latest start (started: due date) "
                                                        "has passed"})
    status = ma.fields.Enum(TaskStatus, by_value=True)
    depends_on = ma.fields.List(ma.fields.Integer(), metadata={"description": "ids of the tasks it waits for"})
    started_at = ma.fields.AwareDateTime(allow_none=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    completed_by = ma.fields.Nested(TaskPersonSchema, allow_none=True)
    note = ma.fields.String(allow_none=True)
    quantity_done = QuantityField(allow_none=True)
    invalidated_revision = ma.fields.Integer(allow_none=True, metadata={
        "description": "done, then a change of its lines was approved at this revision of the order: "
                       "the work may need redoing"})
    order_status = ma.fields.String(metadata={"description": "the order's status after the action"})
    version = ma.fields.Integer()


class ExecutionSchema(ma.Schema):
    """An order's execution plan, where it stands now, and its tasks."""

    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    order_number = ma.fields.String(allow_none=True)
    order_status = ma.fields.String()
    status = ma.fields.Enum(PlanStatus, by_value=True)
    revision = ma.fields.Integer(metadata={"description": "the order's revision it was last planned for"})
    target_date = ma.fields.Date(metadata={"description": "the promised (else requested) delivery date"})
    deadline = ma.fields.AwareDateTime(metadata={"description": "every task is due by then: the start of that day"})
    on_time = ma.fields.Boolean(metadata={"description": "no open task is behind or due after the deadline"})
    can_meet = ma.fields.Date(allow_none=True, metadata={
        "description": "when the plan cannot meet its date: the first date it can, working from now"})
    earliest_finish = ma.fields.AwareDateTime(allow_none=True)
    drafted_at = ma.fields.AwareDateTime()
    confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    confirmed_by = ma.fields.Nested(TaskPersonSchema, allow_none=True)
    accepted_late = ma.fields.Boolean()
    at_risk = ma.fields.Boolean(metadata={
        "description": "the last at-risk sweep found the plan cannot make its promised date (``ordo logistics sweep``)"})
    expected_date = ma.fields.Date(allow_none=True, metadata={
        "description": "while at risk: the date the sweep expects, remaining work and open incidents counted"})
    risk_checked_at = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the sweep last changed the at-risk state"})
    tasks = ma.fields.List(ma.fields.Nested(MilestoneSchema))
    version = ma.fields.Integer()


class ExecutionConfirmSchema(ma.Schema):
    accept_late = ma.fields.Boolean(load_default=False, metadata={
        "description": "confirm a plan that misses the promised date (a 409 names what is late otherwise)"})


class MilestoneAdjustSchema(ma.Schema):
    """What the planner changes; a field not sent stays as it is."""

    assignee_id = IdField(allow_none=True)
    due_at = ma.fields.AwareDateTime()
    depends_on = ma.fields.List(IdField(), validate=validate.Length(max=MAX_TASKS))
    accept_late = ma.fields.Boolean(load_default=False, metadata={
        "description": "move a task of a confirmed plan past the promised date"})


class MilestoneStartSchema(ma.Schema):
    """Nothing to send: the person responsible (or a planner) starts the task."""


class MilestoneCompleteSchema(ma.Schema):
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=NOTE_MAX))
    quantity_done = QuantityField(allow_none=True, validate=validate.Range(min=Decimal("0")))


class ExecutionTemplateTaskSchema(ma.Schema):
    key = ma.fields.String(required=True, validate=validate.Length(min=1, max=32), metadata={
        "description": "letters, digits, - and _: what other tasks of the template name it by"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    kind = ma.fields.Enum(TaskKind, by_value=True, load_default=TaskKind.OTHER, metadata={
        "description": "production and service tasks are gated and put the order into production"})
    role = ma.fields.String(allow_none=True, load_default=None, validate=validate.Length(max=64), metadata={
        "description": "the department: a role whose least-loaded member is responsible"})
    user_id = IdField(allow_none=True, load_default=None, metadata={"description": "the person responsible"})
    hours = HoursField(required=True)
    depends_on = ma.fields.List(ma.fields.String(validate=validate.Length(max=32)), load_default=list,
                                validate=validate.Length(max=MAX_TASKS))


class ExecutionTemplateInputSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=CODE_MAX))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    is_default = ma.fields.Boolean(metadata={"description": "makes every product no template lists"})
    active = ma.fields.Boolean()
    product_ids = ma.fields.List(IdField(), validate=validate.Length(max=MAX_PRODUCTS), metadata={
        "description": "the products of the line; each in one template at most"})
    tasks = ma.fields.List(ma.fields.Nested(ExecutionTemplateTaskSchema), required=True,
                           validate=validate.Length(min=1, max=MAX_TASKS))


class ExecutionTemplatePatchSchema(ExecutionTemplateInputSchema):
    """A change to a template: only what is sent changes (``tasks`` and ``product_ids`` replace the template's)."""


class ExecutionTemplateTaskOutSchema(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.Enum(TaskKind, by_value=True)
    role = ma.fields.String(allow_none=True)
    user_id = ma.fields.Integer(allow_none=True)
    hours = hours_figure()
    depends_on = ma.fields.List(ma.fields.String())


class ExecutionTemplateSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    is_default = ma.fields.Boolean()
    active = ma.fields.Boolean()
    product_ids = ma.fields.Function(lambda template: [row.product_id for row in template.product_rows],
                                     metadata={"type": "array", "items": {"type": "integer"}})
    tasks = ma.fields.List(ma.fields.Nested(ExecutionTemplateTaskOutSchema))
    changed_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()
