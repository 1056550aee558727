"""API of the logistics plugin: an order's shipments, dispatch and the customer's sign-off."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from plugins.logistics.shipments import services
from plugins.logistics.shipments.schemas import (
    AcceptanceSchema, ShipmentCreateSchema, ShipmentDispatchSchema, ShipmentSchema,
)

blp = ApiBlueprint("logistics_api", __name__, description="Shipments, dispatch and the customer's sign-off")


@blp.route("/orders/<id:order_id>/shipments")
class OrderShipments(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, ShipmentSchema(many=True))
    def get(self, order_id):
        """The order's shipments, oldest first.

        Staff need ``logistics.view``; a customer who may sign for goods
        (``logistics.accept``) sees the shipments of their own orders.
        """
        return services.shipments_of(get_order(require_actor(), order_id))

    @requires("logistics.ship")
    @blp.arguments(ShipmentCreateSchema)
    @blp.response(201, ShipmentSchema)
    def post(self, data, order_id):
        """Prepare a shipment of an approved order; 409 while an execution gate holds it back."""
        actor = require_actor()
        order = get_order(actor, order_id)
        return services.create_shipment(order, actor, carrier=data.get("carrier"),
                                        tracking_number=data.get("tracking_number"))


@blp.route("/shipments/<id:shipment_id>/dispatch")
class ShipmentDispatch(MethodView):
    @requires("logistics.ship")
    @blp.arguments(ShipmentDispatchSchema)
    @blp.response(200, ShipmentSchema)
    def post(self, data, shipment_id):
        """Hand a prepared shipment to the carrier; the order becomes ``shipped``."""
        actor = require_actor()
        shipment = services.get_shipment(actor, shipment_id)
        return services.dispatch(shipment, actor, carrier=data.get("carrier"),
                                 tracking_number=data.get("tracking_number"))


@blp.route("/shipments/<id:shipment_id>/acceptance")
class ShipmentAcceptance(MethodView):
    @requires("logistics.accept")
    @blp.arguments(AcceptanceSchema)
    @blp.response(200, ShipmentSchema)
    def post(self, data, shipment_id):
        """Record the customer's sign-off, reservations and rating; the order is delivered.

        A pickup may be signed for straight from ``prepared``. The response's
        ``order_status`` is ``delivered``, or ``completed`` when nothing is left to settle.
        """
        actor = require_actor()
        shipment = services.get_shipment(actor, shipment_id)
        return services.record_acceptance(shipment, actor, signed_by=data["signed_by"],
                                          reservations=data.get("reservations"), rating=data.get("rating"))
