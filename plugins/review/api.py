"""The review API: an order's review rounds, and deciding a step."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from plugins.review import services
from plugins.review.schemas import DecisionRequestSchema, DecisionResultSchema, StepSchema

blp = ApiBlueprint("review_api", __name__, description="Departmental review of submitted orders")


@blp.route("/orders/<id:order_id>/reviews")
class OrderReviews(MethodView):
    @requires("review.view")
    @blp.response(200, StepSchema(many=True))
    def get(self, order_id):
        """The review steps of every round of the order, oldest first, each with the rules' findings."""
        order = get_order(require_actor(), order_id)
        return [step for review_round in services.rounds(order) for step in review_round.steps]


@blp.route("/reviews/<id:step_id>/decision")
class StepDecisionResource(MethodView):
    @requires("review.view")
    @blp.arguments(DecisionRequestSchema)
    @blp.response(200, DecisionResultSchema)
    def post(self, data, step_id):
        """Approve, reject or send back the open step; a reason is required for the last two."""
        actor = require_actor()
        step = services.step_for(actor, step_id)
        return services.decide(step, data["decision"], data["reason"], actor=actor,
                               expected_version=data["version"])
