"""Portal pages of the logistics plugin: the shipments list, preparing a shipment by line in one delivery
mode, the shipment's page (its pre-dispatch check, its dispatch, the customer's acceptance) and the order
panel's whole sign-off.

Each form calls the service the API calls; a refused form is shown again with the error beside its field
and everything typed kept (422), a refusal that names no field in a banner above it.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from core.auth.context import require_actor, requires
from core.documents import document_response, stored_kind_document
from core.entry.forms import attempt_on
from core.listview import Column, Filter, FilterKind, GroupBy, Kind, ListSpec, list_response, order_column
from core.models import Customer, DeliveryMethod, Order, User
from core.orders.queries import get_order
from core.web import attempt, flash_form_errors
from core.portal import order_url
from plugins.logistics.acceptance import services as acceptance
from plugins.logistics.acceptance.forms import AttachmentForm, LineAcceptanceForm
from plugins.logistics.shipments import documents, services
from plugins.logistics.shipments.forms import (
    DISPATCH_FIELDS, PREPARE_FIELDS, AcceptanceForm, CheckForm, DispatchForm, PartialDeliveryForm,
    PrepareShipmentForm, check_form,
)
from plugins.logistics.shipments.models import CheckMode, Shipment, ShipmentStatus

bp = Blueprint("logistics", __name__)
SHIPMENT_PAGE = "logistics/shipments/shipment.html"
PREPARE_PAGE = "logistics/shipments/prepare.html"


def _shipments(user: User) -> Select[Any]:
    return services.visible_shipments(user).join(Customer, Order.customer_id == Customer.id)


SHIPMENT_LIST = ListSpec(
    name="shipments",
    source=_shipments,
    id=Shipment.id,
    columns=(
        Column("number", _l("Shipment"), Shipment.number, sortable=True,
               href=lambda row: url_for("logistics.shipment", shipment_id=row.id)),
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


# --- preparing a shipment -------------------------------------------------------------


def _plain(quantity: Decimal) -> Decimal:
    """A quantity as a person writes it in a field: 10, not 10.000 or 1E+1."""
    return Decimal(format(quantity.normalize(), "f"))


def _mode(value: str | None, order: Order) -> DeliveryMethod:
    try:
        return DeliveryMethod(value) if value else order.delivery_method
    except ValueError:
        return order.delivery_method


def prepare_page(order: Order, user: User, form: PrepareShipmentForm | None = None) -> str:
    """The form that prepares a shipment: each line with what remains of it, the mode's own fields only."""
    remaining = services.remaining_lines(order)
    mode = _mode(form.delivery_method.data if form is not None else request.args.get("mode"), order)
    if form is None:
        form = PrepareShipmentForm(formdata=None, data={
            "delivery_method": mode.value,
            "lines": [{"line_id": line["order_line_id"], "quantity": _plain(line["remaining"])}
                      for line in remaining if line["remaining"]]})
    partial = services.partial_delivery_of(order)
    partial_form = PartialDeliveryForm(formdata=None, partial=(
        "company" if partial.own is None else "allowed" if partial.own else "whole"))
    return render_template(
        PREPARE_PAGE, order=order, form=form, mode=mode, modes=list(DeliveryMethod), fields=PREPARE_FIELDS[mode],
        lines={line["order_line_id"]: line for line in remaining},
        carriers=services.settings_for(order.company_id).carriers or [], blocked=services.blocking_gates(order),
        partial_allowed=partial.allowed, company_partial=partial.company, partial_form=partial_form)


@bp.route("/orders/<id:order_id>/shipments/new")
@requires("logistics.ship")
def new_shipment(order_id: int):
    return prepare_page(get_order(require_actor(), order_id), require_actor())


@bp.route("/orders/<id:order_id>/shipments", methods=["POST"])
@requires("logistics.ship")
def create_shipment(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    form = PrepareShipmentForm()
    if form.validate_on_submit():
        # Only the chosen mode's fields were shown: only they are sent (an error must stand beside a field).
        given = form.given(PREPARE_FIELDS[_mode(form.delivery_method.data, order)])
        shipment = attempt_on(form, lambda: services.create_shipment(
            order, user, carrier=given.pop("carrier", None), tracking_number=given.pop("tracking_number", None),
            lines=form.line_data(), delivery_method=form.delivery_method.data or None, details=given))
        if shipment is not None:
            flash(_("Shipment %(number)s is prepared.", number=shipment.number), "success")
            return redirect(url_for(".shipment", shipment_id=shipment.id))
    return prepare_page(order, user, form), 422


@bp.route("/orders/<id:order_id>/shipping/partial", methods=["POST"])
@requires("logistics.ship")
def partial_delivery(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    form = PartialDeliveryForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: services.set_partial_delivery(order, form.allowed, user)) is not None:
        flash(_("Partial delivery for order %(number)s is set.", number=order.display_number), "success")
    return redirect(url_for(".new_shipment", order_id=order_id))


# --- one shipment: its check, its dispatch, its acceptance ---------------------------------


def shipment_page(shipment: Shipment, user: User, *, check: CheckForm | None = None,
                  dispatch_form: DispatchForm | None = None, posted: Any = None,
                  line_errors: dict[tuple[int, str], str] | None = None,
                  acceptance_form: LineAcceptanceForm | None = None,
                  attachment_form: AttachmentForm | None = None) -> str:
    """The shipment with its lines; the check and the dispatch while it is prepared (to logistics), the
    acceptance line by line while it awaits one (to the customer and customer service), the verdicts given."""
    order = shipment.order
    prepared = shipment.status == ShipmentStatus.PREPARED
    may_ship = user.can("logistics.ship") and prepared
    may_accept = user.can("logistics.accept") and shipment.awaits_acceptance
    settings = services.settings_for(order.company_id)
    verdicts = acceptance.verdicts_of(shipment)
    mode = shipment.delivery_method
    return render_template(
        SHIPMENT_PAGE, order=order, shipment=shipment,
        tracking=services.tracking_of([line.order_line.product_id for line in shipment.lines]),
        check_form=(check or check_form(shipment)) if may_ship else None,
        # A pickup "leaves" when the customer collects it: the same form asks who collected it.
        dispatch_form=(dispatch_form or DispatchForm(formdata=None, obj=shipment)) if may_ship else None,
        dispatch_fields=DISPATCH_FIELDS[mode], carriers=settings.carriers or [],
        problems=services.check_problems(shipment) if prepared else [], check_mode=settings.check_mode,
        blocks=settings.check_mode == CheckMode.BLOCK,
        verdicts=verdicts, feedback=acceptance.feedback_of(shipment),
        acceptance_form=(acceptance_form or LineAcceptanceForm(formdata=None)) if may_accept else None,
        refusal_reasons=acceptance.refusal_reasons(order.company_id) if may_accept else [],
        posted=posted or {}, line_errors=line_errors or {},
        attachments=acceptance.attachments_of(shipment),
        attachment_form=(attachment_form or AttachmentForm(formdata=None)) if user.can("logistics.accept") else None,
        documents=[(kind, documents.LABELS[kind]) for kind in (documents.DELIVERY_NOTE, documents.CERTIFICATE)],
    )


@bp.route("/shipments/<id:shipment_id>")
@requires(("logistics.view", "logistics.accept"))
def shipment(shipment_id: int):
    user = require_actor()
    return shipment_page(services.get_shipment(user, shipment_id), user)


@bp.route("/shipments/<id:shipment_id>/documents/<kind>")
@requires(("logistics.view", "logistics.accept"))
def shipment_document(shipment_id: int, kind: str):
    """The shipment's delivery note or certificate, the stored PDF (as the API serves it)."""
    user = require_actor()
    found = services.get_shipment(user, shipment_id)
    return document_response(stored_kind_document(found.order, documents.kind_for(found, kind), user))


@bp.route("/shipments/<id:shipment_id>/check", methods=["POST"])
@requires("logistics.ship")
def check(shipment_id: int):
    user = require_actor()
    found = services.get_shipment(user, shipment_id)
    form = CheckForm()
    if form.validate_on_submit():
        number = found.number
        if attempt_on(form, lambda: services.record_check(found, user, form.entries())) is not None:
            flash(_("The check of %(number)s is recorded.", number=number), "success")
            return redirect(url_for(".shipment", shipment_id=shipment_id))
        found = services.get_shipment(user, shipment_id)  # the request's work was discarded
    return shipment_page(found, user, check=form), 422


@bp.route("/shipments/<id:shipment_id>/dispatch", methods=["POST"])
@requires("logistics.ship")
def dispatch(shipment_id: int):
    user = require_actor()
    found = services.get_shipment(user, shipment_id)
    number, problems = found.number, services.check_problems(found)
    form = DispatchForm()
    if form.validate_on_submit():
        given = form.given(DISPATCH_FIELDS[found.delivery_method])  # the fields the page showed
        sent = attempt_on(form, lambda: services.dispatch(
            found, user, carrier=given.pop("carrier", None), tracking_number=given.pop("tracking_number", None),
            details=given))
        if sent is not None:
            flash(_("Shipment %(number)s is dispatched.", number=number), "success")
            if problems:  # warn mode: it left, and the warning is recorded in the order's history
                flash(_("It left without a passing check (recorded as a warning): %(problems)s",
                        problems="; ".join(problems)), "warning")
            return redirect(url_for(".shipment", shipment_id=shipment_id))
        found = services.get_shipment(user, shipment_id)
    return shipment_page(found, user, dispatch_form=form), 422


@bp.route("/shipments/<id:shipment_id>/acceptance", methods=["POST"])
@requires("logistics.accept")
def accept(shipment_id: int):
    """The whole shipment signed for at once (the order panel's form)."""
    user = require_actor()
    found = services.get_shipment(user, shipment_id)
    order_id = found.order_id
    number = found.number
    form = AcceptanceForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: acceptance.sign_whole(
            found, user, signed_by=form.signed_by.data, reservations=form.reservations.data,
            rating=form.rating_value)):
        flash(_("The sign-off for %(number)s is recorded.", number=number), "success")
    return redirect(order_url(order_id))
