"""Notifications written in the transaction that caused them and sent after commit."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import UTCDateTime, enum_column, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the configured number of attempts


class OutboxMessage(Model):
    """An email to send, and what happened to it: attempts, the SMTP server's last answer, when it went.

    ``attempts`` counts the attempts since the message was queued (or last sent again by
    hand); each is counted when it is claimed, so a sender that dies mid-delivery spends
    one too. ``claim_token`` names the sender that holds a ``sending`` message: only that
    sender records the result. ``smtp_code`` and ``smtp_answer`` are the server's last
    reply (``250`` and its queue id once sent); ``last_error`` says why the last attempt
    failed, including when no server answered at all.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))
    kind: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    smtp_code: Mapped[int | None]
    smtp_answer: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxAttachment(Model):
    """A file sent with an outbox message: a reference to an order's stored document, never a copy of its bytes.

    The message names the document (``document_kind`` of ``order_id`` at ``revision``; ``locale``
    records the recipient's language, which is the customer's, as every customer document is);
    the sender renders and stores it on first send (``core.documents.issued_document``) and
    records the stored document it attached, so a resend attaches the same bytes. A document a
    plugin owns (a statement) has no order: ``document_kind`` and ``document_key`` name it, and
    the plugin answers its bytes (the ``outbox_document`` hook).
    """

    __tablename__ = "outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))  # None: a plugin's own document
    document_kind: Mapped[str] = mapped_column(String(64))
    document_key: Mapped[int | None]  # a plugin's own document: its row's id, which the plugin resolves
    revision: Mapped[int | None]  # an order's document: the order's revision when queued
    locale: Mapped[str] = mapped_column(String(10))
    stored_document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
