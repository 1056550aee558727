"""The API of outgoing mail: the outbox's messages, as administrators see them in the portal."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy.orm import defer

from core.api import ApiBlueprint
from core.api.fields import MONEY_FLAG
from core.api.schemas import PageArgsSchema, PricedSchema, page_schema
from core.auth.context import require_actor, requires
from core.db import page_of
from core.keyset import Keyset
from core.models import OutboxMessage, OutboxStatus
from core.outbox import message_of, messages_of, send_again

blp = ApiBlueprint("outbox_api", __name__, description="Outgoing mail: what was sent, what waits, what failed")

MAX_SEARCH = 200


class OutboxMessageSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String(metadata={"description": "what the message is about (``order_confirmation``, ...)"})
    recipient = ma.fields.String()
    subject = ma.fields.String()
    status = ma.fields.Enum(OutboxStatus, by_value=True, metadata={
        "description": "``pending``: waiting for its next attempt; ``sending``: being handed to the server; "
                       "``sent``; ``failed``: given up, until sent again"})
    attempts = ma.fields.Integer(metadata={"description": "attempts since it was queued or last sent again"})
    created_at = ma.fields.AwareDateTime()
    last_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    next_attempt_at = ma.fields.AwareDateTime(metadata={"description": "when a waiting message is tried next"})
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    smtp_code = ma.fields.Integer(allow_none=True, metadata={"description": "the SMTP server's last reply code"})
    smtp_answer = ma.fields.String(allow_none=True, metadata={"description": "the text of that reply"})
    last_error = ma.fields.String(allow_none=True, metadata={
        "description": "why the last attempt failed (also when no server answered), or ``sender_stopped`` when "
                       "the sender died mid-delivery; null once sent"})
    message_id = ma.fields.String(metadata={"description": "the email's Message-ID header"})


class OutboxMessageDetailSchema(OutboxMessageSchema, PricedSchema):
    # A customer's email quotes the order's amounts: null for a caller without order.view_prices.
    body = ma.fields.String(allow_none=True, metadata={
        MONEY_FLAG: True, "description": "the text; null for a caller who may not see prices"})


class OutboxQuerySchema(PageArgsSchema):
    status = ma.fields.Enum(OutboxStatus, by_value=True)
    q = ma.fields.String(validate=ma.validate.Length(max=MAX_SEARCH), metadata={
        "description": "only messages whose recipient or subject contains this text, ignoring case"})


OutboxPageSchema = page_schema(OutboxMessageSchema, "OutboxPageSchema")
NEWEST_FIRST = Keyset(OutboxMessage.id, descending=True)


@blp.route("/outbox")
class Outbox(MethodView):
    @requires("admin.outbox")
    @blp.arguments(OutboxQuerySchema, location="query")
    @blp.response(200, OutboxPageSchema)
    def get(self, args):
        """The company's outgoing messages, newest first; filter by status, search recipient and subject."""
        query = messages_of(require_actor().company_id, status=args.get("status"), q=args.get("q"))
        # The list shows no text: a page does not read every message's body.
        return page_of(query.options(defer(OutboxMessage.body)), NEWEST_FIRST, page=args.get("page"),
                       per_page=args["per_page"], cursor=args.get("cursor"))


@blp.route("/outbox/<id:message_id>")
class OutboxItem(MethodView):
    @requires("admin.outbox")
    @blp.response(200, OutboxMessageDetailSchema)
    def get(self, message_id):
        """One outgoing message with its text, attempts and the SMTP server's last answer."""
        return message_of(require_actor().company_id, message_id)


@blp.route("/outbox/<id:message_id>/send-again")
class OutboxSendAgain(MethodView):
    @requires("admin.outbox")
    @blp.response(200, OutboxMessageSchema)
    def post(self, message_id):
        """Queue a failed message again, due now, with a new round of attempts (409 unless it failed)."""
        actor = require_actor()
        return send_again(message_of(actor.company_id, message_id), actor=actor)
