"""Marshmallow schemas of the review API: they validate requests and write the OpenAPI document."""
from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import validate

from core.contracts import Severity, StepPolicy, Verdict
from core.db import MAX_ID
from core.models import OrderStatus, utcnow
from plugins.review.models import StepStatus
from plugins.review.policy import MAX_HOURS, MAX_STEPS
from plugins.review.services import REASON_MAX, StepDecision


class UserRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class FindingSchema(ma.Schema):
    id = ma.fields.Integer()
    round = ma.fields.Integer()
    step_id = ma.fields.Integer(allow_none=True)
    rule = ma.fields.String()
    verdict = ma.fields.Enum(Verdict, by_value=True)
    reason_codes = ma.fields.List(ma.fields.String())
    message = ma.fields.String()
    params = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                            metadata={"description": "what the finding is about (product codes, a name)"})
    severity = ma.fields.Enum(Severity, by_value=True,
                              metadata={"description": "blocking: the step cannot be approved until overridden"})
    overridden_at = ma.fields.AwareDateTime(allow_none=True)
    override_reason = ma.fields.String(allow_none=True)


class StepDecisionEntrySchema(ma.Schema):
    user = ma.fields.Nested(UserRefSchema)
    decision = ma.fields.Enum(StepDecision, by_value=True)
    reason_code = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    decided_at = ma.fields.AwareDateTime()


class StepSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    round = ma.fields.Integer()
    department = ma.fields.String()
    label = ma.fields.String()
    permission = ma.fields.String(metadata={"description": "who may decide the step"})
    sequence = ma.fields.Integer()
    hours = ma.fields.Integer(metadata={"description": "time limit in working hours from when the step opens"})
    policy = ma.fields.Enum(StepPolicy, by_value=True)
    required = ma.fields.Integer(metadata={"description": "approvals that satisfy the policy"})
    approvals = ma.fields.Integer()
    escalation_level = ma.fields.Integer(metadata={"description": "0: not escalated; 1: the reviewers' superiors"})
    delay_reason = ma.fields.String(allow_none=True)
    reason_code = ma.fields.String(allow_none=True)
    decisions = ma.fields.List(ma.fields.Nested(StepDecisionEntrySchema),
                               metadata={"description": "every decision on the step, oldest first"})
    status = ma.fields.Enum(StepStatus, by_value=True)
    opened_at = ma.fields.AwareDateTime(allow_none=True)
    due_at = ma.fields.AwareDateTime(allow_none=True)
    late = ma.fields.Function(lambda step: step.is_late(utcnow()), metadata={"type": "boolean"})
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    decided_by = ma.fields.Nested(UserRefSchema, allow_none=True)
    reason = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "Row version; send it back with a decision."})
    findings = ma.fields.List(ma.fields.Nested(FindingSchema), metadata={"description": "the rules' findings"})


class DecisionRequestSchema(ma.Schema):
    decision = ma.fields.Enum(StepDecision, by_value=True, required=True)
    reason_code = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                                   metadata={"description": "required to reject or send back: one of the "
                                                            "company's reason codes"})
    reason = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=REASON_MAX),
                              metadata={"description": "required to reject or send back"})
    version = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"description": "the step's version you saw; a stale one gets 409"})


class DecisionResultSchema(StepSchema):
    order_status = ma.fields.Enum(OrderStatus, by_value=True, attribute="order.status")


class ReasonRequestSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class PreviewStepSchema(ma.Schema):
    department = ma.fields.String()
    label = ma.fields.String()
    permission = ma.fields.String()
    sequence = ma.fields.Integer(metadata={"description": "equal sequences are reviewed side by side"})
    hours = ma.fields.Integer()
    policy = ma.fields.Enum(StepPolicy, by_value=True)
    quorum = ma.fields.Integer()


class PreviewFindingSchema(ma.Schema):
    rule = ma.fields.String()
    verdict = ma.fields.Enum(Verdict, by_value=True)
    severity = ma.fields.Enum(Severity, by_value=True)
    reason_codes = ma.fields.List(ma.fields.String())
    message = ma.fields.String()
    department = ma.fields.String(allow_none=True)
    params = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class PreviewSchema(ma.Schema):
    steps = ma.fields.List(ma.fields.Nested(PreviewStepSchema))
    findings = ma.fields.List(ma.fields.Nested(PreviewFindingSchema))
    rejected = ma.fields.Boolean(metadata={"description": "the rules would reject the order at once"})


class StepConfigSchema(ma.Schema):
    """One review step of the company's settings: who decides it, in what order, within what limit."""

    department = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,64}$", error=_l(
        "lower-case letters, digits and underscores, at most 64")), metadata={
        "description": "the step's code (sales, finance, production, or one of the company's own)",
        "example": "finance"})
    label = ma.fields.String(required=True, validate=validate.Length(min=1, max=120),
                             metadata={"description": "the step's name as people read it", "example": "Finance"})
    permission = ma.fields.String(load_default=None, validate=validate.Regexp(r"^[a-z0-9_.]{1,120}$", error=_l(
        "a permission code: lower-case letters, digits, dots and underscores, at most 120")), metadata={
        "description": "who may decide it; by default the step's own, review.decide.<department>",
        "example": "review.decide.finance"})
    sequence = ma.fields.Integer(required=True, validate=validate.Range(min=0, max=1000), metadata={
        "description": "steps with the same position are reviewed side by side, positions in ascending order"})
    hours = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_HOURS), metadata={
        "description": "the step's limit in working hours (the company's calendar); late steps are escalated"})
    policy = ma.fields.Enum(StepPolicy, by_value=True, load_default=StepPolicy.ANY, metadata={
        "description": "any: one decider approves; all: every one of them; quorum: `quorum` of them"})
    quorum = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=50),
                               metadata={"description": "approvals needed under the quorum policy"})
    roles = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                           validate=validate.Length(max=50), metadata={
                               "description": "only holders of these roles decide it (role codes, as in /me)"})
    users = ma.fields.List(ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), load_default=list,
                           validate=validate.Length(max=200),
                           metadata={"description": "only these users (ids) decide it"})
    enabled = ma.fields.Boolean(load_default=True, metadata={"description": "false: new orders skip the step"})


class StepsConfigSchema(ma.Schema):
    """The company's review steps, each with its limit; new orders go through them."""

    steps = ma.fields.List(ma.fields.Nested(StepConfigSchema), required=True,
                           validate=validate.Length(max=MAX_STEPS))
