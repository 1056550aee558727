"""The notification outbox: written in the transaction that caused it, sent after commit.

Every email is a template (``templates/<plugin>/<what>_email.txt``) with a ``subject``
and a ``body`` block, in both languages through the catalogue. ``send_email`` renders it
in the recipient's language (``to_customer``: the customer's; ``to_user``: the
user's account's) and queues it; no email text is assembled in code.

``enqueue`` adds a message to the current transaction, so a rolled-back action
sends nothing. ``send_pending`` (the ``ordo outbox send`` command) claims due
messages, delivers them over SMTP and records the result one message at a
time; a failure is retried later with back-off and a sent message is never
picked up again. Every message carries a stable Message-ID, so a receiver can
drop the rare duplicate of a message whose delivery outlived a crash.

A message may carry an order's documents as attachments (``DocumentRef``): the
queue holds a reference, not the bytes, so the action that queues it renders
nothing. The sender issues the document at send time (rendered and stored once
per version, ``core.documents.issued_document``, in the message's language) and
records the stored document it attached, so a later send attaches the same bytes.
A document is always the customer's copy, in the customer's language.
"""
from __future__ import annotations

import re
import smtplib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update

from core.db import commit
from core.documents import issued_document
from core.errors import NotFound
from core.extensions import db
from core.languages import customer_language, user_language
from core.models import Customer, Order, OutboxAttachment, OutboxMessage, OutboxStatus, StoredDocument, User, utcnow

CLAIM_TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class DocumentRef:
    """An order's document to attach: its kind, at the order's current revision (the customer's copy)."""

    order: Order
    kind: str
    filename: str


@dataclass(frozen=True)
class Recipient:
    """Who an email goes to, and the language it is written in for them."""

    address: str
    language: str


def to_customer(customer: Customer) -> Recipient | None:
    """The customer as a recipient, in their language; None when they have no email address."""
    address = (customer.email or "").strip()
    return Recipient(address, customer_language(customer)) if address else None


def to_user(user: User) -> Recipient | None:
    """A user as a recipient, in their account's language; None when they have no email address."""
    address = (user.email or "").strip()
    return Recipient(address, user_language(user)) if address else None


def render_email(template: str, language: str, **context: Any) -> tuple[str, str]:
    """The subject (one line) and body of the email template ``template`` in ``language``."""
    with force_locale(language):
        source = current_app.jinja_env.get_template(template)
        blocks = source.new_context(context)
        subject = " ".join("".join(source.blocks["subject"](blocks)).split())
        # A template's tags leave blank lines where a condition printed nothing: one blank line at most.
        body = re.sub(r"\n\s*\n(\s*\n)+", "\n\n", "".join(source.blocks["body"](blocks))).strip() + "\n"
    return subject, body


def send_email(template: str, to: Recipient, *, company_id: int, kind: str, order_id: int | None = None,
               attachments: Sequence[DocumentRef] = (), **context: Any) -> OutboxMessage:
    """Queue the email template ``template`` to ``to``, rendered in their language, with its attachments."""
    subject, body = render_email(template, to.language, **context)
    return enqueue(company_id=company_id, recipient=to.address, subject=subject, body=body, kind=kind,
                   order_id=order_id, attachments=attachments, language=to.language)


def enqueue(*, company_id: int, recipient: str, subject: str, body: str, kind: str,
            order_id: int | None = None, attachments: Sequence[DocumentRef] = (),
            language: str | None = None) -> OutboxMessage:
    """Queue a rendered email in the current transaction, with references to the documents it attaches.

    The queue itself: an email to a person is written from a template by ``send_email``.
    """
    language = language or current_app.config["BABEL_DEFAULT_LOCALE"]
    domain = current_app.config["ORDO_MAIL_FROM"].rpartition("@")[2] or "ordo.local"
    message = OutboxMessage(company_id=company_id, order_id=order_id, kind=kind, recipient=recipient,
                            subject=subject, body=body, message_id=f"<{uuid.uuid4().hex}@{domain}>")
    db.session.add(message)
    if attachments:
        db.session.flush()
        for ref in attachments:
            db.session.add(OutboxAttachment(
                message_id=message.id, order_id=ref.order.id, document_kind=ref.kind, revision=ref.order.revision,
                locale=language, filename=ref.filename, mime_type="application/pdf"))
    return message


def attachments_of(message: OutboxMessage) -> list[OutboxAttachment]:
    """The message's attachments, in the order they were queued."""
    return list(db.session.execute(
        select(OutboxAttachment).where(OutboxAttachment.message_id == message.id).order_by(OutboxAttachment.id)
    ).scalars())


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 240))


def _claim(now: datetime, limit: int) -> list[int]:
    # Claims left by a crashed sender become due again after a while.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)
        .values(status=OutboxStatus.PENDING)
    )
    rows = db.session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for row in rows:
        row.status = OutboxStatus.SENDING
        row.claimed_at = now
    ids = [row.id for row in rows]
    commit()
    return ids


def _attachment_bytes(attachment: OutboxAttachment) -> tuple[bytes, int | None]:
    """The stored bytes the attachment refers to, issuing (rendering and storing) the document on first send."""
    if attachment.stored_document_id is not None:
        return db.session.get_one(StoredDocument, attachment.stored_document_id).content, attachment.stored_document_id
    order = db.session.get_one(Order, attachment.order_id)
    document = issued_document(order, attachment.document_kind)  # in the customer's language
    return document.content, document.stored_id


def _as_email(message: OutboxMessage) -> EmailMessage:
    # Issue every attachment before writing anything: no render runs inside a write.
    attachments = attachments_of(message)
    issued = [_attachment_bytes(attachment) for attachment in attachments]
    for attachment, (_, stored_id) in zip(attachments, issued, strict=True):
        attachment.stored_document_id = stored_id
    files = [(attachment, content) for attachment, (content, _) in zip(attachments, issued, strict=True)]
    email = EmailMessage()
    email["From"] = current_app.config["ORDO_MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(localtime=False)
    email.set_content(message.body)
    for attachment, content in files:
        maintype, _, subtype = attachment.mime_type.partition("/")
        email.add_attachment(content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return email


def _deliver(email: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["ORDO_SMTP_HOST"], config["ORDO_SMTP_PORT"], timeout=15) as smtp:
        if config["ORDO_SMTP_STARTTLS"]:
            smtp.starttls()
        if config["ORDO_SMTP_USER"]:
            smtp.login(config["ORDO_SMTP_USER"], config["ORDO_SMTP_PASSWORD"] or "")
        smtp.send_message(email)


def send_pending(*, limit: int = 100, now: datetime | None = None) -> SendReport:
    """Deliver due messages; each result is committed on its own."""
    now = now or utcnow()
    report = SendReport()
    max_attempts = current_app.config["ORDO_OUTBOX_MAX_ATTEMPTS"]
    for message_id in _claim(now, limit):
        message = db.session.get_one(OutboxMessage, message_id)  # claimed just now; outbox rows are never deleted
        try:
            _deliver(_as_email(message))
        except (smtplib.SMTPException, OSError, NotFound) as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= max_attempts:
                message.status = OutboxStatus.FAILED
                report.failed += 1
            else:
                message.status = OutboxStatus.PENDING
                message.next_attempt_at = now + _backoff(message.attempts)
                report.retried += 1
        else:
            message.attempts += 1
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = None
            report.sent += 1
        commit()
    return report
