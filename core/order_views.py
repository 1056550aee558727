"""The order list and the order page, owned by the core (the owner of ``Order``): every plugin adds its panel.

Also the core's actions on an order (cancel) and its stored documents.
Plugins link here through ``core.portal.order_url``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from core.auth.context import require_actor, requires
from core.contracts import Panel
from core.documents import available_documents, document_response, stored_document
from core.listview import list_response
from core.models import Order, User
from core.order_list import ORDER_LIST
from core.modules import hooks_for_order
from core.orders import OrderEvent, actions, allowed_events
from core.orders.queries import get_order
from core.orders.stages import status_steps
from core.portal import order_url
from core.timeline import timeline
from core.web import attempt, required

bp = Blueprint("orders", __name__)


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=2000)])


@bp.route("/orders")
@requires("order.view")
def index() -> Any:
    """The orders the user may see, searched, filtered, sorted, grouped and exported (``core.order_list``)."""
    return list_response(ORDER_LIST, require_actor(), "core/order_list.html")


@bp.route("/orders/<id:order_id>")
@requires("order.view")
def detail(order_id: int) -> Any:
    user = require_actor()
    order = get_order(user, order_id)
    return render_template(
        "core/order_detail.html",
        order=order,
        steps=status_steps(order),
        panels=_panels(order, user),
        documents=available_documents(order, user),
        timeline=timeline(order, user),
        can_cancel=OrderEvent.CANCEL in allowed_events(order) and user.can("order.cancel"),
        cancel_form=CancelForm(),
    )


@bp.route("/orders/<id:order_id>/cancel", methods=["POST"])
@requires("order.cancel")
def cancel(order_id: int) -> Any:
    user = require_actor()
    order = get_order(user, order_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for cancelling."), "error")
    elif attempt(lambda: actions.cancel(order, actor=user, reason=required(form.reason.data))) is not None:
        flash(_("Order %(number)s is cancelled.", number=order.display_number), "success")
    return redirect(order_url(order_id))


@bp.route("/orders/<id:order_id>/documents/<kind>")
@requires("order.view")
def document(order_id: int, kind: str) -> Any:
    user = require_actor()
    return document_response(stored_document(get_order(user, order_id), kind, user))


def _panels(order: Order, user: User) -> list[tuple[Panel, Markup]]:
    """The plugins' sections of the order page, in their order, each rendered with its context.

    A panel template sees what an include in the order page would (the request, the
    signed-in actor, the order and the user) plus its own context, whose keys are
    only known at run time, hence rendering here rather than an ``{% include %}``.
    """
    panels = sorted((panel for contribution in hooks_for_order(order).order_panels(order=order, user=user)
                     for panel in contribution), key=lambda panel: panel.order)
    page = {"request": request, "session": session, "g": g, "actor": user, "order": order, "user": user}
    current_app.update_template_context(page)  # what the context processors give every page: show_prices, ...
    return [(panel, Markup(current_app.jinja_env.get_template(panel.template).render({**page, **panel.context})))
            for panel in panels]
