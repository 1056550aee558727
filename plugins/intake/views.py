"""Portal pages of intake: the order list, order entry and editing, submission."""
from __future__ import annotations

from math import ceil

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core.auth.context import require_actor, requires
from core.db import scoped
from core.entry.forms import attempt_on, edit_rows, quote
from core.extensions import db
from core.labels import choices, label
from core.models import Channel, Customer, DeliveryMethod, Order, OrderStatus, PaymentTerms, User
from core.orders.queries import get_order, search_orders
from core.portal import order_url
from core.web import attempt
from plugins.intake import services
from plugins.intake.forms import ActionForm, OrderFilterForm, OrderForm

bp = Blueprint("intake", __name__)

PER_PAGE = 25



@bp.route("/orders")
@requires("order.view")
def orders():
    user = require_actor()
    filters = OrderFilterForm(request.args)
    filters.status.choices = [SelectChoice("", _("Any status"))] + choices(OrderStatus)
    filters.customer_id.choices = [SelectChoice(0, _("Any customer"))] + _customer_choices(user)
    if not filters.validate():
        flash(_("Some filters were not understood and are ignored."), "error")
    page = search_orders(
        user,
        status=filters.status.data if not filters.status.errors else None,
        customer_id=(filters.customer_id.data or None) if not filters.customer_id.errors else None,
        number=(filters.number.data or "").strip() or None,
        page=filters.page.data if filters.page.data and not filters.page.errors else 1,
        per_page=PER_PAGE,
    )
    pages = max(1, ceil(page["total"] / PER_PAGE))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("intake/orders.html", page=page, pages=pages, filters=filters, args=args)


@bp.route("/orders/new", methods=["GET", "POST"])
@requires("order.create")
def new_order():
    user = require_actor()
    form = _order_form(user)
    if request.method == "GET":
        form.channel.data = Channel.PORTAL if user.customer_id else Channel.PHONE
        form.delivery_method.data = DeliveryMethod.EXPRESS
    if "lines" in form and request.method == "POST" and edit_rows(form.lines, request.form):
        return _form_page(form, user, None)
    if form.validate_on_submit():
        order = attempt_on(form, lambda: services.create_draft(user.company, _order_data(form, user), user))
        if order is not None:
            flash(_("Draft order %(number)s saved. Re-check it, then submit it.",
                    number=order.display_number), "success")
            return redirect(order_url(order.id))
    elif request.method == "POST":
        flash(_("Check the fields marked below."), "error")
    return _form_page(form, user, None)


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
    if "lines" in form and request.method == "POST" and edit_rows(form.lines, request.form):
        return _form_page(form, user, order)
    if form.validate_on_submit():
        if attempt_on(form, lambda: services.update_draft(order, _order_data(form, user), user)) is not None:
            flash(_("Order %(number)s saved.", number=order.display_number), "success")
            return redirect(order_url(order.id))
    elif request.method == "POST":
        flash(_("Check the fields marked below."), "error")
    return _form_page(form, user, order)


@bp.route("/orders/<id:order_id>/submit", methods=["POST"])
@requires("order.submit")
def submit_order(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    if not ActionForm().validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    if attempt(lambda: services.submit(order, user)) is not None:
        flash(_("Order %(number)s is submitted; it is now: %(status)s.",
                number=order.display_number, status=label(order.status)), "success")
    return redirect(order_url(order_id))


# --- helpers --------------------------------------------------------------------


def _customer_choices(user: User, current: Customer | None = None) -> list[SelectChoice]:
    query = scoped(Customer, user.company_id).order_by(Customer.code)
    if user.customer_id is not None:
        query = query.where(Customer.id == user.customer_id)
    rows = [c for c in db.session.execute(query).scalars() if c.active or c == current]
    return [SelectChoice(c.id, f"{c.code} {c.name}") for c in rows]


def _order_form(user: User, order: Order | None = None) -> OrderForm:
    """The order form with its choices; a user who may not see prices edits no lines of a draft."""
    form = OrderForm(obj=order)
    form.channel.choices = choices(Channel)
    form.payment_terms.choices = [SelectChoice("", _("The customer's terms"))] + choices(PaymentTerms)
    form.delivery_method.choices = choices(DeliveryMethod)
    if order is not None and not user.can("order.view_prices"):
        del form.lines
    return form


def _form_page(form: OrderForm, user: User, order: Order | None) -> str:
    """The order form, its line table's figures computed as saving would (core.entry.forms.quote)."""
    figures = quote(form.lines, user) if "lines" in form else None
    return render_template("intake/order_form.html", form=form, order=order, figures=figures)


def _order_data(form: OrderForm, user: User) -> dict:
    data = form.order_data()
    if not user.can("order.view_prices"):  # whoever may not see prices orders at list price
        for line in data.get("lines", []):
            line["unit_price"] = None
    return data
