"""Collection's JSON API: the dunning levels, the notices sent, a customer's promises to pay, follow-ups and
credit hold."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from plugins.billing.collection import follow_ups, hold, levels, promises, services
from plugins.billing.collection.schemas import (
    CollectionFollowUpRequestSchema, CollectionFollowUpSchema, CollectionHoldSchema, CollectionHoldStateSchema,
    CollectionLevelsSchema, CollectionNoticePageSchema, CollectionNoticeQuerySchema, CollectionPromiseRequestSchema,
    CollectionPromiseSchema, CollectionReasonSchema,
)

VIEW = "billing.view"

blp = ApiBlueprint("billing_collection_api", __name__,
                   description="Collection: dunning levels and notices, promises to pay, follow-ups, credit hold")


def _levels(company_id: int) -> dict:
    return {"levels": levels.company_levels(company_id)}


@blp.route("/dunning-levels")
class DunningLevels(MethodView):
    @requires(VIEW)
    @blp.response(200, CollectionLevelsSchema)
    def get(self):
        """The company's dunning levels, in order (the defaults until finance sets its own)."""
        return _levels(require_actor().company_id)

    @requires(levels.SETTINGS)
    @blp.arguments(CollectionLevelsSchema)
    @blp.response(200, CollectionLevelsSchema)
    def put(self, data):
        """Replace the levels, numbered in the order given; days that do not rise from one level to the next
        are a 400 naming ``levels[i].days``."""
        actor = require_actor()
        levels.set_levels(actor.company_id, data["levels"], actor)
        return _levels(actor.company_id)


@blp.route("/dunning-notices")
class DunningNotices(MethodView):
    @requires(VIEW)
    @blp.arguments(CollectionNoticeQuerySchema, location="query")
    @blp.response(200, CollectionNoticePageSchema)
    def get(self, args):
        """The dunning notices sent, newest first: of a customer, or of an invoice."""
        return services.search_notices(require_actor(), **args)


@blp.route("/customers/<id:customer_id>/promises")
class Promises(MethodView):
    @requires(VIEW)
    @blp.response(200, CollectionPromiseSchema(many=True))
    def get(self, customer_id):
        """The customer's promises to pay, newest first."""
        return promises.promises_of(services.staff_customer(require_actor(), customer_id))

    @requires(follow_ups.FOLLOW_UP)
    @blp.arguments(CollectionPromiseRequestSchema)
    @blp.response(201, CollectionPromiseSchema)
    def post(self, data, customer_id):
        """Record a promise to pay: it pauses the dunning of what it covers until its date. A past date is a 400
        naming ``promised_for``, an amount over what is open ``amount``, an invoice paid ``invoice_id``."""
        actor = require_actor()
        customer = services.staff_customer(actor, customer_id)
        return promises.make_promise(customer, amount=data["amount"], promised_for=data["promised_for"],
                                     invoice=services.customer_invoice(customer, data["invoice_id"]),
                                     note=data["note"], actor=actor)


@blp.route("/customers/<id:customer_id>/follow-ups")
class FollowUps(MethodView):
    @requires(VIEW)
    @blp.response(200, CollectionFollowUpSchema(many=True))
    def get(self, customer_id):
        """The customer's follow-ups, newest first."""
        return follow_ups.follow_ups_of(services.staff_customer(require_actor(), customer_id))

    @requires(follow_ups.FOLLOW_UP)
    @blp.arguments(CollectionFollowUpRequestSchema)
    @blp.response(201, CollectionFollowUpSchema)
    def post(self, data, customer_id):
        """Log a call, email or visit and its outcome; about an invoice that owes nothing, a 400 naming
        ``invoice_id``."""
        actor = require_actor()
        customer = services.staff_customer(actor, customer_id)
        return follow_ups.log_follow_up(customer, kind=data["kind"], outcome=data["outcome"], actor=actor,
                                        invoice=services.customer_invoice(customer, data["invoice_id"]))


@blp.route("/customers/<id:customer_id>/credit-hold")
class CreditHold(MethodView):
    @requires(VIEW)
    @blp.response(200, CollectionHoldStateSchema)
    def get(self, customer_id):
        """Whether the customer is on credit hold, and the hold."""
        found = hold.active_hold(services.staff_customer(require_actor(), customer_id).id)
        return {"on_hold": found is not None, "hold": found}

    @requires(hold.PLACE)
    @blp.arguments(CollectionReasonSchema)
    @blp.response(201, CollectionHoldSchema)
    def post(self, data, customer_id):
        """Put the customer on credit hold, with the reason; one on hold already is a 409."""
        actor = require_actor()
        return hold.decide_hold(services.staff_customer(actor, customer_id), data["reason"], actor)


@blp.route("/customers/<id:customer_id>/credit-hold/release")
class CreditHoldRelease(MethodView):
    @requires(hold.RELEASE)
    @blp.arguments(CollectionReasonSchema)
    @blp.response(200, CollectionHoldSchema)
    def post(self, data, customer_id):
        """Release the customer's hold, with the reason; without one a 400 naming ``reason``, without a hold
        a 409."""
        actor = require_actor()
        return hold.release(services.staff_customer(actor, customer_id), data["reason"], actor)
