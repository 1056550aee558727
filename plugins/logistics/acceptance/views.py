"""Portal page action of acceptance: the customer (or staff for them) judges each line of a shipment."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.portal import order_url
from core.web import attempt, flash_form_errors
from plugins.logistics.acceptance import services
from plugins.logistics.acceptance.forms import LineAcceptanceForm
from plugins.logistics.shipments import services as shipments

bp = Blueprint("logistics_acceptance", __name__)


def line_entries(shipment_lines: list[Any], form: Any) -> list[dict[str, Any]]:
    """The verdicts the form carries, one per line given one (a line left blank is judged later)."""
    entries: list[dict[str, Any]] = []
    for line in shipment_lines:
        verdict = (form.get(f"verdict-{line.id}") or "").strip()
        if not verdict:
            continue
        entry: dict[str, Any] = {"shipment_line_id": line.id, "verdict": verdict,
                                 "note": form.get(f"note-{line.id}") or None}
        if verdict == "refused":
            entry["refused_quantity"] = form.get(f"refused-{line.id}") or None
            entry["reason"] = form.get(f"reason-{line.id}") or None
        entries.append(entry)
    return entries


@bp.route("/shipments/<id:shipment_id>/lines/acceptance", methods=["POST"])
@requires("logistics.accept")
def accept_lines(shipment_id: int):
    user = require_actor()
    shipment = shipments.get_shipment(user, shipment_id)
    order_id, number = shipment.order_id, shipment.number
    form = LineAcceptanceForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        entries = line_entries(list(shipment.lines), request.form)
        if attempt(lambda: services.accept_lines(
                shipment, user, entries, signed_by=form.signed_by.data, rating=form.rating_value,
                comment=form.comment.data, on_behalf=request.form.get("on_behalf") or None)):
            flash(_("The acceptance of %(number)s is recorded.", number=number), "success")
    return redirect(order_url(order_id))
