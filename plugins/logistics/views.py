"""Portal pages of the logistics plugin: the shipments list and the order panel's forms."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.errors import ValidationError
from core.orders.queries import get_order
from core.web import attempt, flash_form_errors
from core.portal import order_url
from plugins.logistics import services
from plugins.logistics.forms import AcceptanceForm, ShipmentForm
from plugins.logistics.models import ShipmentStatus

bp = Blueprint("logistics", __name__)


@bp.route("/shipments")
@requires("logistics.view")
def shipments():
    status_arg = request.args.get("status") or None
    try:
        status = ShipmentStatus(status_arg) if status_arg else None
    except ValueError:
        raise ValidationError(_("status must be one of: %(values)s",
                                values=", ".join(s.value for s in ShipmentStatus)), field="status") from None
    return render_template(
        "logistics/shipments.html",
        shipments=services.list_shipments(require_actor(), status),
        status=status,
        statuses=list(ShipmentStatus),
    )


@bp.route("/orders/<id:order_id>/shipments", methods=["POST"])
@requires("logistics.ship")
def create_shipment(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    form = ShipmentForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        shipment = attempt(lambda: services.create_shipment(
            order, user, carrier=form.carrier.data, tracking_number=form.tracking_number.data))
        if shipment is not None:
            flash(_("Shipment %(number)s is prepared.", number=shipment.number), "success")
    return redirect(order_url(order_id))


@bp.route("/shipments/<id:shipment_id>/dispatch", methods=["POST"])
@requires("logistics.ship")
def dispatch(shipment_id: int):
    user = require_actor()
    shipment = services.get_shipment(user, shipment_id)
    order_id = shipment.order_id
    form = ShipmentForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.dispatch(
            shipment, user, carrier=form.carrier.data, tracking_number=form.tracking_number.data)):
        flash(_("Shipment %(number)s is dispatched.", number=shipment.number), "success")
    return redirect(order_url(order_id))


@bp.route("/shipments/<id:shipment_id>/acceptance", methods=["POST"])
@requires("logistics.accept")
def accept(shipment_id: int):
    user = require_actor()
    shipment = services.get_shipment(user, shipment_id)
    order_id = shipment.order_id
    number = shipment.number
    form = AcceptanceForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.record_acceptance(
            shipment, user, signed_by=form.signed_by.data, reservations=form.reservations.data,
            rating=form.rating_value)):
        flash(_("The sign-off for %(number)s is recorded.", number=number), "success")
    return redirect(order_url(order_id))
