"""Administration of outgoing mail: the outbox as a list view, one message, and sending a failed one again.

What the sender does lives in ``core.outbox``; these pages show its record (status,
attempts, the SMTP server's last answer, times) and call ``send_again``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Row, Select, select

from core.auth.context import require_actor, requires, sees_prices
from core.labels import OUTBOX_ERROR, label
from core.listview import Column, Filter, GroupBy, Kind, ListSpec, list_response
from core.models import OutboxMessage, OutboxStatus, User
from core.outbox import attachments_of, message_of, send_again
from core.portal import order_url
from core.web import attempt

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")


def _source(user: User) -> Select[Any]:
    return select(OutboxMessage.id).where(OutboxMessage.company_id == user.company_id)


def _detail(row: Row[Any]) -> str:
    return url_for("outbox.message", message_id=row.id)


def server_answer(code: int | None, answer: str | None, error: str | None) -> str:
    """What the list shows as the server's answer: its code and text, else why no server answered."""
    if code is not None:
        return f"{code} {answer or ''}".strip()
    return label(error, OUTBOX_ERROR)


def _answer(row: Row[Any]) -> str:
    return server_answer(row.smtp_code, row.answer, row.last_error)


OUTBOX_LIST = ListSpec(
    name="outbox", source=_source, id=OutboxMessage.id,
    columns=(
        Column("created_at", _l("Queued at"), OutboxMessage.created_at, Kind.DATETIME, sortable=True),
        Column("recipient", _l("Recipient"), OutboxMessage.recipient, sortable=True, href=_detail),
        Column("subject", _l("Subject"), OutboxMessage.subject, href=_detail),
        Column("status", _l("Status"), OutboxMessage.status, Kind.CODE, badge=True),
        Column("attempts", _l("Attempts"), OutboxMessage.attempts, Kind.INT, sortable=True),
        Column("last_attempt_at", _l("Last attempt"), OutboxMessage.last_attempt_at, Kind.DATETIME, sortable=True),
        Column("next_attempt_at", _l("Next attempt"), OutboxMessage.next_attempt_at, Kind.DATETIME),
        Column("sent_at", _l("Sent at"), OutboxMessage.sent_at, Kind.DATETIME, sortable=True),
        Column("answer", _l("Server's answer"), OutboxMessage.smtp_answer, text=_answer),
    ),
    search=(OutboxMessage.recipient, OutboxMessage.subject),
    filters=(Filter("status", _l("Status"), OutboxMessage.status, choices=OutboxStatus),),
    group_bys=(GroupBy("status", _l("Status"), OutboxMessage.status, filter="status"),),
    carry={"smtp_code": OutboxMessage.smtp_code, "last_error": OutboxMessage.last_error},
)


@bp.route("")
@requires("admin.outbox")
def index() -> ResponseReturnValue:
    """Every message of the company, newest first: waiting, sent and failed, with the server's answer."""
    return list_response(OUTBOX_LIST, require_actor(), "admin/outbox_list.html")


@bp.route("/<id:message_id>")
@requires("admin.outbox")
def message(message_id: int) -> ResponseReturnValue:
    """One message: its text, attachments, attempts and what the server answered."""
    actor = require_actor()
    found = message_of(actor.company_id, message_id)
    # A customer's email quotes the order's amounts: its text is for those who may see prices.
    return render_template("admin/outbox_message.html", message=found, attachments=attachments_of(found),
                           show_text=sees_prices(actor),
                           answer=server_answer(found.smtp_code, found.smtp_answer, found.last_error),
                           order_href=order_url(found.order_id) if found.order_id else None,
                           form=FlaskForm())


@bp.route("/<id:message_id>/send-again", methods=["POST"])
@requires("admin.outbox")
def send_message_again(message_id: int) -> ResponseReturnValue:
    """Queue a failed message again, due now: the worker sends it on its next pass."""
    actor = require_actor()
    found = message_of(actor.company_id, message_id)
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
    elif attempt(lambda: send_again(found, actor=actor)) is not None:
        flash(_("The message to %(recipient)s is queued again; the worker sends it within a minute.",
                recipient=found.recipient), "success")
    return redirect(url_for("outbox.message", message_id=message_id))
