"""The review API: an order's review rounds, its dry-run, deciding a step, overriding, reporting a delay,
and the company's review steps with their limits."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from plugins.review import policy, services, sweep
from plugins.review.schemas import (
    DecisionRequestSchema, DecisionResultSchema, FindingSchema, PreviewSchema, ReasonRequestSchema, StepSchema,
    StepsConfigSchema,
)

blp = ApiBlueprint("review_api", __name__, description="Departmental review of submitted orders")


@blp.route("/orders/<id:order_id>/reviews")
class OrderReviews(MethodView):
    @requires("review.view")
    @blp.response(200, StepSchema(many=True))
    def get(self, order_id):
        """The review steps of every round of the order, oldest first, each with the rules' findings."""
        return services.order_steps(require_actor(), order_id)


@blp.route("/orders/<id:order_id>/review-preview")
class OrderReviewPreview(MethodView):
    @requires("review.view")
    @blp.response(200, PreviewSchema)
    def get(self, order_id):
        """What a review of the order would be now: every step and rule's findings; nothing is decided or written."""
        return services.plan(get_order(require_actor(), order_id))


@blp.route("/reviews/<id:step_id>/decision")
class StepDecisionResource(MethodView):
    @requires("review.view")
    @blp.arguments(DecisionRequestSchema)
    @blp.response(200, DecisionResultSchema)
    def post(self, data, step_id):
        """Approve, reject or send back an open step; a reason code and a reason are required for the last two."""
        actor = require_actor()
        step = services.step_for(actor, step_id)
        return services.decide(step, data["decision"], data["reason"], actor=actor,
                               expected_version=data["version"], reason_code=data["reason_code"])


@blp.route("/reviews/<id:step_id>/delay")
class StepDelayResource(MethodView):
    @requires("review.view")
    @blp.arguments(ReasonRequestSchema)
    @blp.response(200, StepSchema)
    def post(self, data, step_id):
        """A reviewer says why the step cannot be finished in time: the reminders stop, the superior is told."""
        actor = require_actor()
        return sweep.report_delay(services.step_for(actor, step_id), data["reason"], actor=actor)


@blp.route("/review-findings/<id:finding_id>/override")
class FindingOverrideResource(MethodView):
    @requires("review.view")
    @blp.arguments(ReasonRequestSchema)
    @blp.response(200, FindingSchema)
    def post(self, data, finding_id):
        """A manager overrides a blocking finding with a reason, so that its step may be approved."""
        actor = require_actor()
        return services.override(services.finding_for(actor, finding_id), data["reason"], actor=actor)


@blp.route("/review/steps")
class ReviewSteps(MethodView):
    @requires("review.configure")
    @blp.response(200, StepsConfigSchema)
    def get(self):
        """The company's review steps with their limits (the standard three until an administrator saves)."""
        return {"steps": policy.step_rows(require_actor().company_id)}

    @requires("review.configure")
    @blp.arguments(StepsConfigSchema)
    @blp.response(200, StepsConfigSchema)
    def put(self, data):
        """Replace the company's review steps; new orders go through them, orders in review keep theirs."""
        actor = require_actor()
        rows = [policy.StepRow(
            department=step["department"], label=step["label"],
            permission=step["permission"] or f"review.decide.{step['department']}", sequence=step["sequence"],
            hours=step["hours"], policy=step["policy"], quorum=step["quorum"], roles=tuple(step["roles"]),
            users=tuple(step["users"]), enabled=step["enabled"]) for step in data["steps"]]
        policy.save_steps(actor.company_id, rows, actor=actor)
        return {"steps": policy.step_rows(actor.company_id)}
