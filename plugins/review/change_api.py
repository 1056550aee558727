"""The change request API: record a change to an order, read it, and the customer's acknowledgement."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from plugins.review import changes
from plugins.review.change_models import RequestedVia
from plugins.review.change_schemas import AcknowledgeSchema, ChangeRequestSchema, ChangeSchema, PromiseSchema

blp = ApiBlueprint("review_changes_api", __name__,
                   description="Change requests of orders: their review and the customer's acknowledgement")


@blp.route("/orders/<id:order_id>/changes")
class OrderChanges(MethodView):
    @requires(changes.VIEW)
    @blp.response(200, ChangeSchema(many=True))
    def get(self, order_id):
        """The order's change requests, newest first."""
        return changes.changes_of(get_order(require_actor(), order_id))

    @requires(changes.REQUEST)
    @blp.arguments(ChangeRequestSchema)
    @blp.response(201, ChangeSchema)
    def post(self, wanted, order_id):
        """Request a change (quantities, lines, specifications, prices, delivery date and method, payment terms).

        It is reviewed by the same departments' steps as the order and applies once every
        required step approves; a field the order's stage does not allow is refused (409,
        naming the field), as is a second change while one is in review.
        """
        actor = require_actor()
        return changes.request_change(get_order(actor, order_id), wanted, actor=actor, via=RequestedVia.API)


@blp.route("/changes/<id:change_id>")
class Change(MethodView):
    @requires(changes.VIEW)
    @blp.response(200, ChangeSchema)
    def get(self, change_id):
        """One change request: its diff, impact, status and acknowledgement."""
        return changes.change_for(require_actor(), change_id)


@blp.route("/changes/<id:change_id>/promised-date")
class PromisedDate(MethodView):
    @requires("review.view")
    @blp.arguments(PromiseSchema)
    @blp.response(200, ChangeSchema)
    def post(self, data, change_id):
        """A reviewer of an open step answers the change's delivery-date impact: the date they can promise."""
        actor = require_actor()
        return changes.promise_date(changes.change_for(actor, change_id), data["promised_date"], actor=actor,
                                    expected_version=data["version"])


@blp.route("/changes/<id:change_id>/acknowledge")
class Acknowledge(MethodView):
    @requires(changes.ACKNOWLEDGE)
    @blp.arguments(AcknowledgeSchema)
    @blp.response(200, ChangeSchema)
    def post(self, data, change_id):
        """The customer acknowledges an applied change and its impact (once)."""
        actor = require_actor()
        return changes.acknowledge(changes.change_for(actor, change_id), actor=actor,
                                   expected_version=data["version"])
