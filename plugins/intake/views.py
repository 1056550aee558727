"""Portal pages of intake: the order list, order entry and editing, the order page and its documents."""
from __future__ import annotations

from math import ceil

from flask import (
    Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from core.auth.context import current_actor, requires
from core.contracts import Panel
from core.db import scoped
from core.documents import available_documents, document_response, stored_document
from core.extensions import db
from core.labels import choices, label
from core.models import (
    AuditEntry, Channel, Customer, DeliveryMethod, Order, OrderStatus, PaymentTerms, Product, User,
)
from core.modules import hooks_for_order
from core.orders import allowed_events
from core.orders.queries import get_order, search_orders
from core.web import attempt
from plugins.intake import services
from plugins.intake.forms import LINE_ROWS, ActionForm, CancelForm, OrderFilterForm, OrderForm

bp = Blueprint("intake", __name__)

PER_PAGE = 25



@bp.route("/orders")
@requires("order.view")
def orders():
    user = current_actor()
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
    return render_template("intake/orders.html", page=page, pages=pages, filters=filters, args=args,
                           show_prices=user.can("order.view_prices"))


@bp.route("/orders/new", methods=["GET", "POST"])
@requires("order.create")
def new_order():
    user = current_actor()
    form = _order_form(user)
    if request.method == "GET":
        form.channel.data = Channel.PORTAL if user.customer_id else Channel.PHONE
        form.delivery_method.data = DeliveryMethod.EXPRESS
    if form.validate_on_submit():
        order = attempt(lambda: services.create_draft(user.company, _order_data(form, user), user))
        if order is not None:
            flash(_("Draft order %(number)s saved. Re-check it, then submit it.",
                    number=order.display_number), "success")
            return redirect(url_for("intake.order_detail", order_id=order.id))
    elif request.method == "POST":
        flash(_("Check the fields marked below."), "error")
    return render_template("intake/order_form.html", form=form, order=None,
                           show_prices=user.can("order.view_prices"))


@bp.route("/orders/<int:order_id>/edit", methods=["GET", "POST"])
@requires("order.edit")
def edit_order(order_id: int):
    user = current_actor()
    order = get_order(user, order_id)
    if order.status != OrderStatus.DRAFT:
        flash(_("Order %(number)s is no longer a draft and cannot be edited.", number=order.display_number),
              "error")
        return redirect(url_for("intake.order_detail", order_id=order.id))
    form = _order_form(user, order)
    if form.validate_on_submit():
        if attempt(lambda: services.update_draft(order, _order_data(form, user), user)) is not None:
            flash(_("Order %(number)s saved.", number=order.display_number), "success")
            return redirect(url_for("intake.order_detail", order_id=order.id))
    elif request.method == "POST":
        flash(_("Check the fields marked below."), "error")
    return render_template("intake/order_form.html", form=form, order=order,
                           show_prices=user.can("order.view_prices"))


@bp.route("/orders/<int:order_id>")
@requires("order.view")
def order_detail(order_id: int):
    user = current_actor()
    order = get_order(user, order_id)
    timeline = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id).order_by(AuditEntry.at, AuditEntry.id)
    ).scalars().all()
    documents = available_documents(order, user)
    is_draft = order.status == OrderStatus.DRAFT
    return render_template(
        "intake/order_detail.html",
        order=order,
        panels=_panels(order, user),
        documents=documents,
        timeline=timeline,
        timeline_actions={code: name for names in hooks_for_order(order).audit_action_labels()
                          for code, name in names.items()},
        show_prices=user.can("order.view_prices"),
        can_edit=is_draft and user.can("order.edit"),
        can_submit=is_draft and user.can("order.submit"),
        can_cancel="cancel" in allowed_events(order) and user.can("order.cancel"),
        action_form=ActionForm(),
        cancel_form=CancelForm(),
    )


@bp.route("/orders/<int:order_id>/submit", methods=["POST"])
@requires("order.submit")
def submit_order(order_id: int):
    user = current_actor()
    order = get_order(user, order_id)
    if not ActionForm().validate_on_submit():
        abort(400, _("The form expired; reload the page and try again."))
    if attempt(lambda: services.submit(order, user)) is not None:
        flash(_("Order %(number)s is submitted; it is now: %(status)s.",
                number=order.display_number, status=label(order.status)), "success")
    return redirect(url_for("intake.order_detail", order_id=order_id))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@requires("order.cancel")
def cancel_order(order_id: int):
    user = current_actor()
    order = get_order(user, order_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for cancelling."), "error")
    elif attempt(lambda: services.cancel(order, user, form.reason.data)) is not None:
        flash(_("Order %(number)s is cancelled.", number=order.display_number), "success")
    return redirect(url_for("intake.order_detail", order_id=order_id))


@bp.route("/orders/<int:order_id>/documents/<kind>")
@requires("order.view")
def order_document(order_id: int, kind: str):
    user = current_actor()
    return document_response(stored_document(get_order(user, order_id), kind, user))


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
    form.customer_id.choices = [SelectChoice(0, "—")] + _customer_choices(user, order.customer if order else None)
    form.channel.choices = choices(Channel)
    form.payment_terms.choices = [SelectChoice("", _("The customer's terms"))] + choices(PaymentTerms)
    form.delivery_method.choices = choices(DeliveryMethod)
    if order is not None and not user.can("order.view_prices"):
        del form.lines
        return form
    if order is not None and request.method == "GET":
        while len(form.lines) < max(LINE_ROWS, len(order.lines) + 2):
            form.lines.append_entry()
    on_order = {line.product_id for line in order.lines} if order else set()
    products = [p for p in db.session.execute(
        scoped(Product, user.company_id).order_by(Product.code)).scalars() if p.active or p.id in on_order]
    product_choices = [SelectChoice(0, "—")] + [
        SelectChoice(p.id, f"{p.code} {p.name}" + (f" ({p.specification})" if p.specification else ""))
        for p in products]
    for row in form.lines:
        row.form.product_id.choices = product_choices
    return form


def _order_data(form: OrderForm, user: User) -> dict:
    data = form.order_data()
    if not user.can("order.view_prices"):  # whoever may not see prices orders at list price
        for line in data.get("lines", []):
            line["unit_price"] = None
    return data


def _panels(order: Order, user: User) -> list[tuple[Panel, Markup]]:
    """Other plugins' sections of the order page, in their order, each rendered with its context.

    A panel template sees what an include in the order page would (the request, the
    signed-in actor, the order and the user) plus its own context, whose keys are
    only known at run time, hence rendering here rather than an ``{% include %}``.
    """
    panels = sorted((panel for contribution in hooks_for_order(order).order_panels(order=order, user=user)
                     for panel in contribution), key=lambda panel: panel.order)
    page = {"request": request, "session": session, "g": g, "actor": user, "order": order, "user": user}
    return [(panel, Markup(current_app.jinja_env.get_template(panel.template).render({**page, **panel.context})))
            for panel in panels]
