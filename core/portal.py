"""The portal shell: home, task inbox, global search, navigation, links to orders, "mark delivered"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.auth.context import current_actor, require_actor, requires
from core.contracts import MenuItem
from core.errors import ValidationError
from core.models import User, utcnow
from core.modules import hooks_for_company
from core.inbox import MAX_LISTED, Counts, badge_counts, kinds_of, page_for, page_number
from core.orders import actions
from core.orders.queries import get_order
from core.search import MAX_QUERY, search as search_orders
from core.session_memo import remembered
from core.web import attempt, flash_form_errors, required
from core.forms import PortalForm

bp = Blueprint("portal", __name__)


class MarkDeliveredForm(PortalForm):
    signed_by = StringField(_l("signed_by"), validators=[DataRequired(), Length(max=120)])
    reservations = TextAreaField(_l("reservations"), validators=[Length(max=2000)])


def navigation(user: User) -> list[MenuItem]:
    """The menu items of the enabled plugins that ``user`` may use, in menu order."""
    items = [item for contribution in hooks_for_company(user.company_id).menu_items(user=user)
             for item in contribution]
    return sorted((i for i in items if i.permission is None or user.can(i.permission)),
                  key=lambda i: (i.order, str(i.label)))


@dataclass(frozen=True)
class MenuGroup:
    """One entry of the navigation bar: a drop-down of the items of one group, or one item alone."""

    label: str
    items: tuple[MenuItem, ...]

    @property
    def single(self) -> MenuItem | None:
        """The item shown alone, without a drop-down: a group of one, or an item of no group."""
        return self.items[0] if len(self.items) == 1 else None

    def holds(self, endpoint: str | None) -> bool:
        return any(item.endpoint == endpoint for item in self.items)


def menu(items: list[MenuItem]) -> list[MenuGroup]:
    """The navigation bar: ``items`` (in menu order) folded by group, each group where its first item is."""
    groups: dict[str | int, list[MenuItem]] = {}
    for position, item in enumerate(items):
        groups.setdefault(str(item.group) if item.group is not None else position, []).append(item)
    return [MenuGroup(members[0].group if members[0].group is not None else members[0].label, tuple(members))
            for members in groups.values()]


def order_url(order_id: int) -> str:
    """Where an order is shown: the core's order page, where every plugin adds its panel."""
    return url_for("orders.detail", order_id=order_id)


def list_url(user: User, permission: str, endpoint: str, **params: Any) -> str | None:
    """A link to a list page for ``user``, or None when they may not open it (an inbox count's ``url``)."""
    return url_for(endpoint, **params) if user.can(permission) else None


def panel_anchor(template: str) -> str:
    """The id of a panel's section on the order page: its template's path, "logistics/order_panel.html"
    → "logistics-order_panel"."""
    return template.removesuffix(".html").replace("/", "-")


def panel_url(order_id: int, template: str) -> str:
    """A link to a plugin's panel on the order page, for an action whose form is in the panel."""
    return f"{order_url(order_id)}#{panel_anchor(template)}"


@bp.app_context_processor
def inject_navigation() -> dict:
    user = current_actor()
    if user is None or request.path.startswith("/api/"):
        return {"navigation": [], "menu": [], "actor": None}
    items = navigation(user)
    # The menu's count: every plugin counts in the database; nothing is listed for it.
    counts = inbox_counts(user) if any(item.endpoint == "portal.inbox" for item in items) else None
    return {"navigation": items, "menu": menu(items), "actor": user,
            "inbox_count": counts.total if counts else 0, "inbox_late": counts.late if counts else 0}


def inbox_counts(user: User, now: datetime | None = None) -> Counts:
    """The menu's task counts, once per unit of work (``core.session_memo``), kept across requests while
    nothing is written (``core.inbox.badge_counts``)."""
    return remembered(("inbox.counts", user.id), lambda: badge_counts(user, now or utcnow()))


@bp.route("/")
@requires(None)
def home():
    return redirect(url_for("portal.inbox"))


@bp.route("/inbox")
@requires(None)
def inbox():
    """A page of the user's tasks, most urgent first, under how many there are of each kind."""
    user = require_actor()
    now = utcnow()
    page = page_for(user, now, page_number(request.args.get("page")), counts=inbox_counts(user, now))
    return render_template("core/inbox.html", page=page, kinds=kinds_of(page.counts), now=now,
                           max_listed=MAX_LISTED)


@bp.route("/search")
@requires("order.view")
def search():
    """The header's search box: orders by number, customer, customer's PO number or product, grouped."""
    user = require_actor()
    raw = request.args.get("q", "")
    try:
        results, error = search_orders(user, raw), None
    except ValidationError as refused:
        results, error = None, refused.message
    # An empty box is an invitation to type; a query over the limit is a bad request.
    status = 400 if error and raw.strip() else 200
    return render_template("core/search.html", query=raw[:MAX_QUERY * 2], results=results, error=error,
                           max_query=MAX_QUERY), status


@bp.route("/orders/<id:order_id>/mark-delivered", methods=["POST"])
@requires("order.mark_delivered")
def mark_delivered(order_id: int):
    user = require_actor()
    order = get_order(user, order_id)
    form = MarkDeliveredForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: actions.mark_delivered(order, actor=user, signed_by=required(form.signed_by.data),
                                                reservations=form.reservations.data)):
        flash(_("Order %(number)s is marked delivered.", number=order.display_number), "success")
    return redirect(order_url(order_id))
