"""API of acceptance: the customer's verdict on each shipped line, and the company's refusal reasons."""
from __future__ import annotations

from contextlib import closing

from flask import Response
from flask.views import MethodView
from flask_babel import gettext as _

from core import attachments
from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.errors import ValidationError
from plugins.logistics.acceptance import services
from plugins.logistics.acceptance.schemas import AcceptanceSchema, AcceptanceSettingsSchema, AttachmentSchema, AttachmentUploadSchema, LineVerdictSchema
from plugins.logistics.shipments import services as shipments
from plugins.logistics.shipments.models import Shipment
from plugins.logistics.shipments.schemas import ShipmentSchema

blp = ApiBlueprint("logistics_acceptance_api", __name__, description="Acceptance of shipped goods, line by line")


@blp.route("/shipments/<id:shipment_id>/acceptance")
class ShipmentAcceptance(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, LineVerdictSchema(many=True))
    def get(self, shipment_id):
        """The verdicts recorded on the shipment's lines so far."""
        shipment = shipments.get_shipment(require_actor(), shipment_id)
        return sorted(services.verdicts_of(shipment).values(), key=lambda row: row.id)

    @requires("logistics.accept")
    @blp.arguments(AcceptanceSchema)
    @blp.response(200, ShipmentSchema)
    def post(self, data, shipment_id):
        """Accept, accept with reservations, or refuse the shipment's lines; rate the delivery.

        Without ``lines`` the whole shipment is signed for (every line accepted; ``signed_by``
        required). With ``lines``, each names a ``shipment_line_id`` of this shipment, once: a line
        of another shipment is a 400 naming ``lines[i].shipment_line_id``, a line judged already a
        409 naming it, a refused quantity over the shipped one a 400 naming
        ``lines[i].refused_quantity``. When every line is judged the shipment is signed for; the
        order is ``delivered`` once nothing is left to ship (refused quantity is to ship again) and
        the delivered event carries the reservations.
        """
        actor = require_actor()
        shipment = shipments.get_shipment(actor, shipment_id)
        if data.get("lines") is None:
            if not data.get("signed_by"):
                raise ValidationError(_("say who signed for the goods"), field="signed_by")
            return services.sign_whole(shipment, actor, signed_by=data["signed_by"],
                                       reservations=data.get("reservations"), rating=data.get("rating"))
        return services.accept_lines(shipment, actor, data["lines"], signed_by=data.get("signed_by"),
                                     rating=data.get("rating"), comment=data.get("comment"),
                                     on_behalf=data.get("on_behalf"))


@blp.route("/shipments/<id:shipment_id>/acceptance/attachments")
class AcceptanceAttachments(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, AttachmentSchema(many=True))
    def get(self, shipment_id):
        """The photos and files attached to the delivery's acceptance."""
        return services.attachments_of(shipment_from(shipment_id))

    @requires("logistics.accept")
    @blp.arguments(AttachmentUploadSchema, location="multipart")
    @blp.response(201, AttachmentSchema)
    def post(self, data, shipment_id):
        """Attach a photo (PNG, JPEG) or a PDF; another type, or a file over the limit, is a 400 naming ``file``."""
        actor = require_actor()
        shipment = shipments.get_shipment(actor, shipment_id)
        with closing(data["file"]) as upload:  # a large upload is spooled to a temporary file
            content = upload.read(services.ATTACHMENT_MAX_BYTES + 1)
            name = upload.filename
        return services.attach(shipment, actor, name, content)


@blp.route("/shipments/<id:shipment_id>/acceptance/attachments/<id:attachment_id>")
class AcceptanceAttachmentFile(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, content_type="image/png")
    @blp.doc(responses={200: {"content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}
        for _, content_type in attachments.ATTACHMENT_TYPES}}})
    def get(self, shipment_id, attachment_id):
        """The attached file as uploaded, with its type."""
        row = services.get_attachment(shipment_from(shipment_id), attachment_id)
        return Response(row.content, mimetype=row.content_type)


def shipment_from(shipment_id: int) -> Shipment:
    return shipments.get_shipment(require_actor(), shipment_id)


@blp.route("/logistics/acceptance-settings")
class AcceptanceSettings(MethodView):
    @requires(("logistics.view", "logistics.accept"))
    @blp.response(200, AcceptanceSettingsSchema)
    def get(self):
        """The company's refusal reasons and reopen window (the defaults until it sets its own)."""
        return services.acceptance_settings(require_actor().company_id)

    @requires("logistics.settings")
    @blp.arguments(AcceptanceSettingsSchema)
    @blp.response(200, AcceptanceSettingsSchema)
    def put(self, data):
        """Change the refusal reasons (replaced as a whole) and/or the reopen window; fields left out stay."""
        actor = require_actor()
        return services.update_settings(actor.company, data, actor)
