"""Portal pages of the logistics plugin: the shipments list (a list view) and the order panel's forms."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from core.auth.context import require_actor, requires
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec, list_response, order_column
from core.models import Customer, DeliveryMethod, Order, User
from core.orders.queries import get_order
from core.web import attempt, flash_form_errors
from core.portal import order_url
from plugins.logistics.shipments import services
from plugins.logistics.shipments.forms import AcceptanceForm, ShipmentForm
from plugins.logistics.shipments.models import Shipment, ShipmentStatus

bp = Blueprint("logistics", __name__)


def _shipments(user: User) -> Select[Any]:
    return services.visible_shipments(user).join(Customer, Order.customer_id == Customer.id)


SHIPMENT_LIST = ListSpec(
    name="shipments",
    source=_shipments,
    id=Shipment.id,
    columns=(
        Column("number", _l("Shipment"), Shipment.number, sortable=True),
        order_column(),
        Column("customer", _l("Customer"), Customer.name),
        Column("status", _l("Status"), Shipment.status, Kind.CODE, badge=True),
        Column("delivery_method", _l("Delivery method"), Shipment.delivery_method, Kind.CODE),
        Column("carrier", _l("Carrier"), Shipment.carrier, sortable=True),
        Column("tracking_number", _l("Tracking number"), Shipment.tracking_number),
        Column("created_at", _l("Prepared"), Shipment.created_at, Kind.DATETIME, sortable=True),
        Column("dispatched_at", _l("Dispatched"), Shipment.dispatched_at, Kind.DATETIME, sortable=True),
        Column("signed_by", _l("Signed for by"), Shipment.signed_by),
        Column("reservations", _l("Reservations"), Shipment.reservations),
        Column("rating", _l("Satisfaction"), Shipment.rating, Kind.INT, sortable=True),
    ),
    search=(Shipment.number, Shipment.tracking_number, Shipment.carrier, Order.number, Customer.name,
            Customer.code),
    filters=(
        Filter("status", _l("Status"), Shipment.status, choices=ShipmentStatus),
        Filter("delivery_method", _l("Delivery method"), Shipment.delivery_method, choices=DeliveryMethod),
        Filter("dispatched", _l("Dispatched"), Shipment.dispatched_at, FilterKind.DATE_RANGE),
    ),
    group_bys=(
        GroupBy("status", _l("Status"), Shipment.status, filter="status"),
        GroupBy("delivery_method", _l("Delivery method"), Shipment.delivery_method, filter="delivery_method"),
        GroupBy("carrier", _l("Carrier"), Shipment.carrier),
    ),
    default_sort="-created_at",
    carry={"order_id": Shipment.order_id},
)


@bp.route("/shipments")
@requires("logistics.view")
def shipments():
    return list_response(SHIPMENT_LIST, require_actor(), "logistics/shipments.html")


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
