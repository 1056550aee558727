"""Portal pages of intake: order entry and editing, re-check and submission, waiting for the customer.

The order list is the core's (core.order_list)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core import masterdata
from core.auth.context import require_actor, requires
from core.entry.forms import attempt_on, edit_rows, quote
from core.labels import choices, label
from core.errors import OrdoError
from core.models import Channel, Customer, DeliveryMethod, InvoiceType, Order, OrderStatus, PaymentTerms, User, utcnow
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors
from plugins.intake import checks, duplicates, services, waiting
from plugins.intake.duplicates import DuplicateSuspected
from plugins.intake.forms import NO_INVOICE, OrderForm, SubmitForm, WaitingForm

bp = Blueprint("intake", __name__)


@bp.route("/orders/new", methods=["GET", "POST"])
@requires("order.create")
def new_order():
    user = require_actor()
    form = _order_form(user)
    flagged: list[Order] = []
    if request.method == "GET":
        form.channel.data = Channel.PORTAL if user.customer_id else Channel.PHONE
        form.invoice_type.data = services.FROM_CUSTOMER
        form.received_at.data = _local(utcnow(), user)
    if "lines" in form and request.method == "POST" and edit_rows(form.lines, request.form):
        return _form_page(form, user, None)
    if form.validate_on_submit():
        if user.customer_id is not None:  # a customer ordering for themselves
            placed = attempt_on(form, _flagging(flagged, lambda: services.place_customer_order(
                user.company, _order_data(form, user), user)))
            if placed is not None:
                flash(_("Thank you: order %(number)s is submitted.", number=placed.display_number)
                      if placed.status != OrderStatus.DRAFT else
                      _("Thank you: order %(number)s is received; we will check it and confirm it.",
                        number=placed.display_number), "success")
                return redirect(order_url(placed.id))
            return _form_page(form, user, None)
        order = attempt_on(form, _flagging(flagged, _with_customer(form, user, lambda data: services.create_draft(
            user.company, data, user, check_duplicates=True, confirm_duplicate=bool(form.confirm_duplicate.data)))))
        if order is not None:
            if form.creates_customer:
                flash(_("Customer %(code)s %(name)s created.", code=order.customer.code, name=order.customer.name),
                      "success")
            flash(_("Draft order %(number)s saved. Re-check it, then submit it.",
                    number=order.display_number), "success")
            return redirect(order_url(order.id))
    elif request.method == "POST":
        flash(_("Check the fields marked below."), "error")
    return _form_page(form, user, None, flagged)


@bp.route("/orders/<id:order_id>/edit", methods=["GET", "POST"])
@requires("order.edit")
def edit_order(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    if order.status != OrderStatus.DRAFT:
        flash(_("Order %(number)s is no longer a draft and cannot be edited.", number=order.display_number),
              "error")
        return redirect(order_url(order.id))
    form = _order_form(user, order)
    flagged: list[Order] = []
    if "lines" in form and request.method == "POST" and edit_rows(form.lines, request.form):
        return _form_page(form, user, order)
    if form.validate_on_submit():
        if attempt_on(form, _flagging(flagged, lambda: services.update_draft(
                order, _order_data(form, user), user, check_duplicates=True,
                confirm_duplicate=bool(form.confirm_duplicate.data)))) is not None:
            flash(_("Order %(number)s saved.", number=order.display_number), "success")
            return redirect(order_url(order.id))
    elif request.method == "POST":
        flash(_("Check the fields marked below."), "error")
    return _form_page(form, user, order, flagged)


@bp.route("/orders/<id:order_id>/recheck")
@requires("order.submit")
def recheck_order(order_id: int):
    """A read-only summary of exactly what will be submitted, with the checks' findings."""
    user = require_actor()
    order = get_order(user, order_id)
    if order.status != OrderStatus.DRAFT:
        flash(_("Order %(number)s is no longer a draft.", number=order.display_number), "error")
        return redirect(order_url(order.id))
    return _recheck_page(order)


def _recheck_page(order: Order, status: int = 200):
    problems = services.recheck(order)
    form = SubmitForm(version=order.version)
    return render_template(
        "intake/recheck.html", order=order, form=form, blocking=checks.blocking(problems),
        warnings=checks.warnings(problems), problems=checks.by_field(problems),
        duplicates=duplicates.unconfirmed(order)), status


@bp.route("/orders/<id:order_id>/submit", methods=["POST"])
@requires("order.submit")
def submit_order(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    submitted = attempt(lambda: services.submit(
        order, user, confirm_warnings=bool(form.confirm_warnings.data), version=form.version.data,
        check_duplicates=True, confirm_duplicate=bool(form.confirm_duplicate.data)))
    if submitted is None:
        return redirect(url_for("intake.recheck_order", order_id=order_id))
    flash(_("Order %(number)s is submitted; it is now: %(status)s.",
            number=order.display_number, status=label(order.status)), "success")
    return redirect(order_url(order_id))


@bp.route("/orders/<id:order_id>/waiting", methods=["POST"])
@requires("order.edit")
def mark_waiting(order_id: int):
    """The clerk sends the draft back to the customer for what is missing."""
    user = require_actor()
    order = get_order(user, order_id)
    form = WaitingForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: waiting.mark_waiting(order, form.missing.data or "", user,
                                              email=bool(form.email.data))) is not None:
        flash(_("Order %(number)s is waiting for the customer's answer.", number=order.display_number), "success")
    return redirect(order_url(order_id))


@bp.route("/orders/<id:order_id>/answered", methods=["POST"])
@requires("order.edit")
def mark_answered(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    if not SubmitForm().validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    if attempt(lambda: waiting.mark_answered(order, user)) is not None:
        flash(_("The customer's answer is noted; re-check order %(number)s.", number=order.display_number),
              "success")
    return redirect(order_url(order_id))


# --- helpers --------------------------------------------------------------------


def _flagging(flagged: list[Order], save: Callable[[], Order]) -> Callable[[], Order]:
    """``save``, keeping the orders it is suspected to repeat for the page to name."""

    def run() -> Order:
        try:
            return save()
        except DuplicateSuspected as error:
            flagged.extend(error.others)
            raise

    return run


def _with_customer(form: OrderForm, user: User, save: Callable[[dict], Order]) -> Callable[[], Order]:
    """``save`` of the form's data, for the new customer entered with the order when there is one, created first."""

    def run() -> Order:
        data = _order_data(form, user)
        if form.creates_customer:
            try:
                customer = masterdata.create(Customer, company_id=user.company_id, data=form.customer_data(),
                                             actor=user)
            except OrdoError as error:  # a code already used goes next to the new customer's code
                error.field = f"new_customer.{error.field}" if error.field else None
                raise
            data["customer_id"] = customer.id
        return save(data)

    return run


def _order_form(user: User, order: Order | None = None) -> OrderForm:
    """The order form with its choices; a user who may not see prices edits no lines of a draft.

    A new customer can be entered with a new order by whoever may create customers (``customer.manage``).
    """
    form = OrderForm(obj=order)
    if order is not None or not user.can("customer.manage") or not masterdata.may_create(Customer, user):
        del form.new_customer
    elif not user.can("order.view_prices"):
        del form.new_customer.form["credit_limit"]
    if order is not None and request.method == "GET":
        form.received_at.data = _local(order.received_at, user)
        form.invoice_type.data = order.invoice_type  # none is "no invoice" here, not the customer's
    form.channel.choices = choices(Channel)
    form.payment_terms.choices = [SelectChoice("", _("The customer's terms"))] + choices(PaymentTerms)
    form.delivery_method.choices = [SelectChoice("", _("The customer's (express when it has none)"))] + choices(
        DeliveryMethod)
    form.invoice_type.choices = [SelectChoice("", _("The customer's invoice (and its details left empty)")),
                                 SelectChoice(NO_INVOICE, _("No invoice"))] + choices(InvoiceType)
    if order is not None and not user.can("order.view_prices"):
        del form.lines
    return form


def _form_page(form: OrderForm, user: User, order: Order | None, flagged: list[Order] | None = None) -> str:
    """The order form, its line table's figures computed as saving would (core.entry.forms.quote),
    and the orders this one may repeat."""
    customer_id = user.customer_id or (form.customer_id.data if not form.customer_id.errors else None)
    figures = quote(form.lines, user, customer_id) if "lines" in form else None
    return render_template("intake/order_form.html", form=form, order=order, figures=figures,
                           duplicates=flagged or [])


def _local(moment: datetime, user: User) -> datetime:
    """A moment as the company's wall clock shows it, for a datetime-local input."""
    return moment.astimezone(user.company.zone).replace(tzinfo=None, second=0, microsecond=0)


def _order_data(form: OrderForm, user: User) -> dict:
    data = form.order_data()
    if data.get("received_at") is not None:  # typed on the company's wall clock
        data["received_at"] = data["received_at"].replace(tzinfo=user.company.zone)
    if not user.can("order.view_prices"):  # whoever may not see prices orders at list price
        for line in data.get("lines", []):
            line["unit_price"] = None
    return data
