"""Portal pages of intake: order entry and editing, re-check and submission, waiting for the customer.

The order list is the core's (core.order_list)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core import masterdata
from core.auth.context import require_actor, requires, sees_prices
from core.db import fail_request
from core.entry.forms import attempt_on, customer_to_quote, edit_rows, field_at, quote
from core.entry.views import quoted
from core.labels import choices, label
from core.errors import OrdoError
from core.models import Channel, Customer, DeliveryMethod, InvoiceType, Order, OrderStatus, PaymentTerms, User, utcnow
from core.orders.queries import get_order
from core.portal import order_url
from core.web import attempt, flash_form_errors
from plugins.intake import checks, duplicates, entry_checks, services, waiting
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
        if order is not None and _submits(user):
            problems = _submit_here(form, order, user)
            if problems is None:
                return redirect(order_url(order.id))
            return _form_page(form, user, None, flagged, problems)
        if order is not None:
            if form.creates_customer:
                flash(_("Customer %(code)s %(name)s created.", code=order.customer.code, name=order.customer.name),
                      "success")
            return _saved(order, user, _("Draft order %(number)s saved. Re-check it, then submit it.",
                                   number=order.display_number))
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
            if not _submits(user):
                return _saved(order, user, _("Order %(number)s saved.", number=order.display_number))
            problems = _submit_here(form, order, user)
            if problems is None:
                return redirect(order_url(order.id))
            return _form_page(form, user, order, flagged, problems)
    elif request.method == "POST":
        flash(_("Check the fields marked below."), "error")
    else:  # the draft's problems stand beside their fields from the start
        return _form_page(form, user, order, flagged, services.recheck(order))
    return _form_page(form, user, order, flagged)


@bp.route("/orders/new/quote", methods=["POST"], endpoint="quote_new_order")
@bp.route("/orders/<id:order_id>/quote", methods=["POST"])
@requires(("order.create", "order.edit"))
def quote_order(order_id: int | None = None) -> Any:
    """The order form's live quote (``core.entry.views.quoted``) with the checks of what is entered so far:
    ``checks`` holds each check's message and severity by the id of the input it belongs to.

    A customer's own user gets none: a credit hold or another order's number is the clerk's business,
    and the clerk re-checks what the customer placed.
    """
    user = require_actor()
    if order_id is not None:
        get_order(user, order_id)  # one the user may see, or 404
    answer = quoted(user)
    if answer.status == 200 and user.customer_id is not None:
        answer.body["checks"] = {}
    elif answer.status == 200:
        found = entry_checks.live_findings(
            user.company, customer_id=customer_to_quote(user, request.form.get("customer_id")),
            requested_date=_posted_date(request.form.get("requested_date")),
            received_at=_posted_moment(request.form.get("received_at"), user),
            source_reference=(request.form.get("source_reference") or "").strip()[:120] or None,
            rows=answer.form.lines, figures=answer.figures, show_prices=sees_prices(user), order_id=order_id)
        by_input: dict[str, list[dict[str, str]]] = {}
        for finding in found:
            by_input.setdefault(finding.input_id, []).append(finding.as_json())
        answer.body["checks"] = by_input
    return jsonify(answer.body), answer.status


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


def _submits(user: User) -> bool:
    """Whether the order form was sent with "Submit for review" by a clerk who may submit."""
    return "submit_order" in request.form and user.customer_id is None and user.can("order.submit")


def _submit_here(form: OrderForm, order: Order, user: User) -> list[checks.Problem] | None:
    """Submit the draft just saved from the form, in the same request: None when it went, else the checks'
    problems that refused it, for the form shown again beside their fields.

    The whole request (the draft too) is then discarded: the form holds what was typed, and sending it
    again enters it once. Any other refusal stands beside the field it names, or in a banner.
    """
    try:
        services.submit(order, user, confirm_warnings=bool(form.confirm_warnings.data))
    except checks.ChecksFailed as failed:
        fail_request()
        flash(_("The order is not submitted: correct or confirm what is marked below."), "error")
        return failed.problems
    except OrdoError as error:
        fail_request()
        field = field_at(form, error.field)
        if field is None:
            flash(error.message, "error")
        else:
            field.errors = [*field.errors, error.message]
        return []
    flash(_("Order %(number)s is submitted; it is now: %(status)s.",
            number=order.display_number, status=label(order.status)), "success")
    return None


def _saved(order: Order, user: User, message: str) -> Any:
    """After a draft is saved: its page, or the form again when a check found a problem to show beside its field
    (for whoever may edit the draft)."""
    flash(message, "success")
    if user.can("order.edit") and services.recheck(order):
        return redirect(url_for("intake.edit_order", order_id=order.id))
    return redirect(order_url(order.id))


def _posted_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        return None


def _posted_moment(raw: str | None, user: User) -> datetime | None:
    """A datetime-local value typed on the company's wall clock, or None when empty or not one."""
    try:
        moment = datetime.strptime((raw or "").strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return moment.replace(tzinfo=user.company.zone)


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


def _form_page(form: OrderForm, user: User, order: Order | None, flagged: list[Order] | None = None,
               problems: list[checks.Problem] | None = None) -> str:
    """The order form, its line table's figures computed as saving would (core.entry.forms.quote),
    the orders this one may repeat, and the checks' ``problems`` beside their fields (with the box
    confirming the warnings when there are some)."""
    customer_id = user.customer_id or (form.customer_id.data if not form.customer_id.errors else None)
    figures = quote(form.lines, user, customer_id) if "lines" in form else None
    if problems:  # after the quote: a row with a check's message beside it is still quoted
        entry_checks.place_on_form(form, problems, sees_prices(user))
        form.warnings_found = bool(checks.warnings(problems))
    submits = user.customer_id is None and user.can("order.submit")
    return render_template("intake/order_form.html", form=form, order=order, figures=figures,
                           duplicates=flagged or [], submits=submits)


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
