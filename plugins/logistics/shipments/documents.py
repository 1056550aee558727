"""The shipment's documents: the delivery note (送货单) and the certificate of conformity (产品合格证).

Each is a document of one shipment, rendered in the customer's language, once per
version of the shipment (its row version, its lines and checks, and the order's
version) and stored by the core (``core.documents``). The order's own document
list offers both for its latest shipment (``delivery_note``, ``certificate``);
``/shipments/{id}/documents/{kind}`` serves any shipment's.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import DocumentKind, DocumentSource
from core.documents import fingerprint, order_version
from core.errors import Conflict, NotFound
from core.extensions import db
from core.models import Order, User
from core.modules import hooks_for_order
from plugins.logistics.shipments import services
from plugins.logistics.shipments.models import CERTIFICATE, DELIVERY_NOTE, Shipment

# The spellings a URL may use for each kind.
SPELLINGS = {"delivery_note": DELIVERY_NOTE, "delivery-note": DELIVERY_NOTE, "certificate": CERTIFICATE,
             "certificate-of-conformity": CERTIFICATE}
TEMPLATES = {DELIVERY_NOTE: "delivery_note.html", CERTIFICATE: "certificate.html"}
LABELS = {DELIVERY_NOTE: _l("Delivery note"), CERTIFICATE: _l("Certificate of conformity")}


def shipment_source(order: Order, shipment: Shipment) -> DocumentSource:
    """The version of a shipment's document: the order's, the shipment's row version, its lines and checks."""
    return DocumentSource(f"{order_version(order)}.s{shipment.version}-{fingerprint(*shipment.lines)}",
                          entity="shipment", entity_id=shipment.id)


def shipment_context(shipment: Shipment) -> dict[str, Any]:
    """What the shipment's documents show: its lines with their check, who checked, and the lots each line's
    goods left stock in (``line_lots``: answered where a stock module is pinned on the order, and once the
    shipment has left)."""
    taken = hooks_for_order(shipment.order).line_lots(order=shipment.order, shipment_number=shipment.number)
    return {"shipment": shipment, "lines": shipment.lines,
            "checked_by": db.session.get(User, shipment.checked_by_id) if shipment.checked_by_id else None,
            "stock_lots": {line.order_line_id: line.lots for line in taken or ()}}


def kind_for(shipment: Shipment, name: str) -> DocumentKind:
    """The document ``name`` (either spelling) of one shipment; NotFound for another name."""
    kind = SPELLINGS.get(name)
    if kind is None:
        raise NotFound(_("no document kind %(kind)s for a shipment", kind=repr(name)), field="kind")
    return DocumentKind(kind, LABELS[kind], TEMPLATES[kind], "order.view",
                        context=lambda order: shipment_context(shipment),
                        source=lambda order: shipment_source(order, shipment), customer_copy=True)


def _latest(order: Order) -> Shipment:
    shipment = services.latest_shipment(order)
    if shipment is None:
        raise Conflict(_("order %(number)s has no shipment yet; a delivery note needs one",
                         number=order.display_number), field="kind")
    return shipment


def order_kinds() -> list[DocumentKind]:
    """The order's documents of its latest shipment. Every user who may read the order may read them
    (they show no prices), customers included: they go with the goods."""
    return [DocumentKind(kind, LABELS[kind], TEMPLATES[kind], "order.view",
                         context=lambda order: shipment_context(_latest(order)),
                         available=lambda order: services.latest_shipment(order) is not None,
                         source=lambda order: shipment_source(order, _latest(order)), customer_copy=True)
            for kind in (DELIVERY_NOTE, CERTIFICATE)]
