"""The order list and the order page, owned by the core (the owner of ``Order``): every plugin adds its panel.

Also the page's main next action and its "more" menu (``order_actions``), the
core's actions on an order (cancel, confirmed first) and its stored documents.
Plugins link here through ``core.portal.order_url``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.auth.context import require_actor, requires
from core.contracts import OrderAction, Panel
from core.documents import available_documents, order_document_response
from core.listview import list_response
from core.models import Order, User
from core.order_list import ORDER_LIST
from core.modules import hooks_for_order
from core.orders import actions
from core.orders.queries import get_order
from core.orders.stages import status_steps
from core.portal import order_url
from core.timeline import timeline
from core.web import attempt, required
from core.forms import PortalForm

bp = Blueprint("orders", __name__)


class CancelForm(PortalForm):
    reason = TextAreaField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=2000)])
    # Without scripts the box is the confirmation; with them, a dialog ticks it (static/ordo.js).
    confirm = BooleanField(_l("I confirm: cancel this order. This cannot be undone."))


@dataclass(frozen=True)
class NextActions:
    """What the order page offers this user: one main action, and the rest for the "more" menu."""

    main: OrderAction | None
    more: list[OrderAction]


def order_actions(order: Order, user: User) -> NextActions:
    """The actions the plugins pinned on the order offer ``user``: the first primary one is the main one."""
    offered = sorted((action for contribution in hooks_for_order(order).order_actions(order=order, user=user)
                      for action in contribution), key=lambda action: (action.priority, str(action.label)))
    main = next((action for action in offered if action.primary), None)
    return NextActions(main, [action for action in offered if action is not main])


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
        actions=order_actions(order, user),
        panels=_panels(order, user),
        documents=available_documents(order, user),
        timeline=timeline(order, user),
    )


@bp.route("/orders/<id:order_id>/cancel", methods=["GET", "POST"])
@requires("order.cancel")
def cancel(order_id: int) -> Any:
    """Cancelling asks first: a page with the reason and an "I confirm" box; nothing changes unticked."""
    user = require_actor()
    order = get_order(user, order_id)
    form = CancelForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Give a reason for cancelling."), "error")
        elif not form.confirm.data:
            form.confirm.errors = [_("Tick the box to confirm that the order is cancelled.")]
        elif attempt(lambda: actions.cancel(order, actor=user, reason=required(form.reason.data))) is not None:
            flash(_("Order %(number)s is cancelled.", number=order.display_number), "success")
            return redirect(order_url(order_id))
    return render_template("core/order_cancel.html", order=order, form=form)


@bp.route("/orders/<id:order_id>/documents/<kind>")
@requires("order.view")
def document(order_id: int, kind: str) -> Any:
    user = require_actor()
    return order_document_response(get_order(user, order_id), kind, user)


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
