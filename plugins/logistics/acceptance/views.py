"""Portal actions of acceptance: the customer (or staff for them) judges each line of a shipment on the
shipment's page, and attaches a photo or PDF of the delivery; a refused form comes back with each error
beside its line and everything typed kept."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.db import fail_request
from core.errors import OrdoError
from core.untrusted_text import control_refusal
from plugins.logistics.acceptance import services
from plugins.logistics.acceptance.forms import AttachmentForm, LineAcceptanceForm
from plugins.logistics.shipments import services as shipments
from plugins.logistics.shipments.views import shipment_page

bp = Blueprint("logistics_acceptance", __name__)
LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


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


def line_error(error: OrdoError, entries: list[dict[str, Any]]) -> tuple[int, str] | None:
    """The line and field (``verdict``, ``refused_quantity``...) a service error names, by the entry it counted."""
    found = LINE_FIELD.match(error.field or "")
    if found is None or int(found.group(1)) >= len(entries):
        return None
    return entries[int(found.group(1))]["shipment_line_id"], found.group(2)


def refused_text(entries: list[dict[str, Any]]) -> dict[tuple[int, str], str]:
    """A control character in a line's text, by line and field (the service would store it as sent)."""
    found: dict[tuple[int, str], str] = {}
    for entry in entries:
        for key in ("verdict", "note", "refused_quantity", "reason"):
            value = entry.get(key)
            refusal = control_refusal(value) if isinstance(value, str) else None
            if refusal is not None:
                found[entry["shipment_line_id"], key] = refusal
    return found


@bp.route("/shipments/<id:shipment_id>/lines/acceptance", methods=["POST"])
@requires("logistics.accept")
def accept_lines(shipment_id: int):
    user = require_actor()
    shipment = shipments.get_shipment(user, shipment_id)
    number = shipment.number
    form = LineAcceptanceForm()
    line_errors: dict[tuple[int, str], str] = {}
    entries = line_entries(list(shipment.lines), request.form)
    # The lines' inputs are read from the request, not by the form class: refuse control characters here.
    line_errors.update(refused_text(entries))
    if form.validate_on_submit() and not line_errors:
        try:
            services.accept_lines(shipment, user, entries, signed_by=form.signed_by.data, rating=form.rating_value,
                                  comment=form.comment.data, on_behalf=request.form.get("on_behalf") or None)
        except OrdoError as error:
            fail_request()
            where = line_error(error, entries)
            if where is not None:
                line_errors[where] = error.message
            elif error.field in ("rating", "comment", "signed_by"):
                form[error.field].errors = [*form[error.field].errors, error.message]
            else:
                flash(error.message, "error")
            shipment = shipments.get_shipment(user, shipment_id)
        else:
            flash(_("The acceptance of %(number)s is recorded.", number=number), "success")
            return redirect(url_for("logistics.shipment", shipment_id=shipment_id))
    return shipment_page(shipment, user, posted=request.form, line_errors=line_errors, acceptance_form=form), 422


@bp.route("/shipments/<id:shipment_id>/attachments", methods=["POST"])
@requires("logistics.accept")
def attach(shipment_id: int):
    user = require_actor()
    shipment = shipments.get_shipment(user, shipment_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(services.ATTACHMENT_MAX_BYTES + 1)
        try:
            row = services.attach(shipment, user, upload.filename, content)
        except OrdoError as error:
            fail_request()
            form.file.errors = [*form.file.errors, error.message]
            shipment = shipments.get_shipment(user, shipment_id)
        else:
            flash(_("%(name)s is attached.", name=row.filename), "success")
            return redirect(url_for("logistics.shipment", shipment_id=shipment_id))
    return shipment_page(shipment, user, attachment_form=form), 422


@bp.route("/shipments/<id:shipment_id>/attachments/<id:attachment_id>")
@requires(("logistics.view", "logistics.accept"))
def attachment(shipment_id: int, attachment_id: int):
    """The attached file as uploaded, with the type read from its content."""
    row = services.get_attachment(shipments.get_shipment(require_actor(), shipment_id), attachment_id)
    return Response(row.content, mimetype=row.content_type,
                    headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"})
