"""API of the logistics plugin: an order's shipments, their check and dispatch (the sign-off is ``acceptance.api``)."""
from __future__ import annotations

from flask.views import MethodView

from core.documents import document_response, stored_kind_document

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from plugins.logistics.shipments import services
from plugins.logistics.shipments import documents
from plugins.logistics.shipments.schemas import (
    CheckSchema, PartialDeliverySchema, RemainingLineSchema, ShipmentCreateSchema, ShipmentDispatchSchema, ShipmentSchema,
    ShippingSettingsSchema,
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
        """Prepare a shipment of some lines and quantities (everything that remains when ``lines`` is left out).

        The delivery mode (the order's unless given) asks for its own fields and
        refuses another's (400 naming the field); more than remains of a line, a
        line of another order, or a part when the order is delivered whole is a
        400 naming ``lines[i]...``; 409 while an execution gate holds the order back.
        """
        actor = require_actor()
        order = get_order(actor, order_id)
        details = {key: data.get(key) for key in ("vehicle", "driver_name", "driver_phone", "waybill_number")}
        return services.create_shipment(order, actor, carrier=data.get("carrier"),
                                        tracking_number=data.get("tracking_number"), lines=data.get("lines"),
                                        delivery_method=data.get("delivery_method"), details=details)


@blp.route("/orders/<id:order_id>/shipping")
class OrderShipping(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, RemainingLineSchema(many=True))
    def get(self, order_id):
        """What remains to ship of each of the order's lines: ordered, shipped (in any shipment), remaining."""
        return services.remaining_lines(get_order(require_actor(), order_id))


@blp.route("/orders/<id:order_id>/partial-delivery")
class OrderPartialDelivery(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, PartialDeliverySchema)
    def get(self, order_id):
        """Whether the order may leave in parts: its own choice (``partial_delivery``, null when it made
        none), the company's setting, and the result (``allowed``)."""
        return services.partial_delivery_of(get_order(require_actor(), order_id))

    @requires("logistics.ship")
    @blp.arguments(PartialDeliverySchema)
    @blp.response(200, PartialDeliverySchema)
    def put(self, data, order_id):
        """Let this order leave in parts (true), only whole (false), or as the company says (null).

        409 naming ``partial_delivery`` once the order is delivered, completed, rejected or cancelled.
        """
        actor = require_actor()
        return services.set_partial_delivery(get_order(actor, order_id), data["own"], actor)


@blp.route("/shipments/<id:shipment_id>/check")
class ShipmentCheck(MethodView):
    @requires("logistics.ship")
    @blp.arguments(CheckSchema)
    @blp.response(200, ShipmentSchema)
    def post(self, data, shipment_id):
        """Record the pre-dispatch check per line: quantity counted, pass or fail (with a reason), lots or serials.

        A product tracked by lot needs its lot numbers to pass, one tracked by serial one number per unit.
        """
        actor = require_actor()
        return services.record_check(services.get_shipment(actor, shipment_id), actor, data["lines"])


@blp.route("/shipments/<id:shipment_id>/dispatch")
class ShipmentDispatch(MethodView):
    @requires("logistics.ship")
    @blp.arguments(ShipmentDispatchSchema)
    @blp.response(200, ShipmentSchema)
    def post(self, data, shipment_id):
        """Hand a prepared shipment to the carrier; the first makes the order ``shipped``.

        In the company's ``block`` check mode a line not checked or failed is a 409
        naming ``check``; in ``warn`` mode the shipment leaves and the warning is
        recorded. The customer is emailed the tracking details in their language.
        """
        actor = require_actor()
        shipment = services.get_shipment(actor, shipment_id)
        details = {key: data.get(key)
                   for key in ("vehicle", "driver_name", "driver_phone", "waybill_number", "collected_by")}
        return services.dispatch(shipment, actor, carrier=data.get("carrier"),
                                 tracking_number=data.get("tracking_number"), details=details)


@blp.route("/shipments/<id:shipment_id>/documents/<kind>")
class ShipmentDocument(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(304, description="Not Modified: the If-None-Match ETag is the stored document's")
    @blp.doc(responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, shipment_id, kind):
        """The shipment's ``delivery-note`` (``delivery_note``) or ``certificate`` of conformity, a PDF in
        the customer's language, with an ETag."""
        actor = require_actor()
        shipment = services.get_shipment(actor, shipment_id)
        return document_response(stored_kind_document(shipment.order, documents.kind_for(shipment, kind), actor))


@blp.route("/logistics/settings")
class ShippingSettings(MethodView):
    @requires("logistics.settings")
    @blp.response(200, ShippingSettingsSchema)
    def get(self):
        """How the company ships: its carriers, whether orders may leave in parts, the check's mode."""
        return services.settings_for(require_actor().company_id)

    @requires("logistics.settings")
    @blp.arguments(ShippingSettingsSchema)
    @blp.response(200, ShippingSettingsSchema)
    def put(self, data):
        """Change how the company ships; fields left out stay as they are."""
        actor = require_actor()
        return services.update_settings(actor.company, data, actor)
