"""The notification outbox: written in the transaction that caused it, sent after commit.

Every email is a template (``templates/<plugin>/<what>_email.txt``) with a ``subject``
and a ``body`` block, in both languages through the catalogue. ``send_email`` renders it
in the recipient's language (``to_customer``: the customer's; ``to_user``: the
user's account's) and queues it; no email text is assembled in code.

``enqueue`` adds a message to the current transaction, so a rolled-back action
sends nothing. ``send_pending`` (the ``outbox.send`` job and ``ordo outbox send``)
delivers due messages over SMTP one at a time:

- A message is claimed by one UPDATE that matches it only while it is pending
  (on PostgreSQL the candidate row is locked with ``SKIP LOCKED``; SQLite lets one
  writer in at a time), so of any number of senders running at once (workers
  whose job lease ran out, the CLI) exactly one gets it: a message is handed to
  the server once. The claim counts the attempt and carries a token; only the
  holder of the token records the result.
- A failed attempt keeps the server's answer (``smtp_code``, ``smtp_answer``) and
  the error (``last_error``) on the message and waits with back-off; after
  ``ORDO_OUTBOX_MAX_ATTEMPTS`` attempts, or at once when the server refuses the
  message itself for good (a 5xx answer to its recipients or its content), the
  message is ``failed`` and is not tried again until an administrator sends it
  again (:func:`send_again`).
- Whatever goes wrong while one message is prepared or delivered (a document
  that does not render, say) is that message's failed attempt; the others go on.
- A claim older than ``CLAIM_TIMEOUT`` belongs to a sender that died mid-delivery:
  its attempt was counted, so the message is retried or failed like any other.
  Such a message may have reached the server before the sender died; it carries a
  stable Message-ID, so a receiver can drop that rare duplicate.

A message may carry an order's documents as attachments (``DocumentRef``): the
queue holds a reference, not the bytes, so the action that queues it renders
nothing. The sender issues the document at send time (rendered and stored once
per version, ``core.documents.issued_document``, in the message's language) and
records the stored document it attached, so a later send attaches the same bytes.
A document is always the customer's copy, in the customer's language. A document a
plugin owns rather than an order (a customer's statement) is queued the same way
(``OwnedDocumentRef``: its kind and row id) and its bytes are the owner's answer to
the ``outbox_document`` hook at send time.
"""
from __future__ import annotations

import logging
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
from flask_babel import force_locale, gettext as _
from sqlalchemy import Select, func, or_, select, update

from core import audit
from core.db import commit, discard, get_scoped, scoped
from core.documents import issued_document
from core.errors import Conflict
from core.extensions import db
from core.languages import customer_language, user_language
from core.models import (
    Company, Customer, Order, OutboxAttachment, OutboxMessage, OutboxStatus, StoredDocument, User, utcnow,
)
from core.modules import hooks_for_company

LOG = logging.getLogger(__name__)

# Far longer than one delivery may take (each SMTP step times out after SMTP_TIMEOUT): a claim
# this old belongs to a sender that died, never to one still delivering.
CLAIM_TIMEOUT = timedelta(minutes=10)
SMTP_TIMEOUT = 15
MAX_TEXT = 2000
# What a sender that died mid-delivery leaves on its message: an attempt, and this code as its error
# (labelled in OUTBOX_ERROR: the server may have received the message).
ABANDONED = "sender_stopped"


@dataclass(frozen=True)
class DocumentRef:
    """An order's document to attach: its kind, at the order's current revision (the customer's copy)."""

    order: Order
    kind: str
    filename: str


@dataclass(frozen=True)
class OwnedDocumentRef:
    """A plugin's own document to attach (a customer's statement): its ``kind`` as the owner answers
    ``outbox_document`` for it (``billing.statement``) and ``key``, its row's id there."""

    kind: str
    key: int
    filename: str


Attachment = DocumentRef | OwnedDocumentRef


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
               attachments: Sequence[Attachment] = (), **context: Any) -> OutboxMessage:
    """Queue the email template ``template`` to ``to``, rendered in their language, with its attachments."""
    subject, body = render_email(template, to.language, **context)
    return enqueue(company_id=company_id, recipient=to.address, subject=subject, body=body, kind=kind,
                   order_id=order_id, attachments=attachments, language=to.language)


def enqueue(*, company_id: int, recipient: str, subject: str, body: str, kind: str,
            order_id: int | None = None, attachments: Sequence[Attachment] = (),
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
            if isinstance(ref, OwnedDocumentRef):
                db.session.add(OutboxAttachment(
                    message_id=message.id, document_kind=ref.kind, document_key=ref.key, locale=language,
                    filename=ref.filename, mime_type="application/pdf"))
                continue
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


@dataclass(frozen=True)
class Failure:
    """Why an attempt failed: the error, the server's answer if it gave one, and whether to try again."""

    error: str
    code: int | None = None
    answer: str | None = None
    permanent: bool = False


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply))[:MAX_TEXT]


def failure_of(error: Exception) -> Failure:
    """What an exception raised while sending says about the attempt.

    A 5xx answer refusing the message's recipients or its content is final: sending
    it again gets the same answer. Everything else (no connection, a 4xx answer, a
    refused login or sender, which are the server's or our configuration's) may pass.
    """
    text = f"{type(error).__name__}: {error}"[:MAX_TEXT]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        code, answer = replies[0] if replies else (None, b"")
        return Failure(text, code, _text(answer), permanent=bool(replies) and all(reply[0] >= 500 for reply in replies))
    if isinstance(error, smtplib.SMTPResponseException):
        return Failure(text, error.smtp_code, _text(error.smtp_error),
                       permanent=isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500)
    return Failure(text)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 240))


def _release_abandoned(now: datetime, max_attempts: int) -> tuple[int, int]:
    """Put the messages of senders that died back in the queue, or fail them; how many of each."""
    stale = (OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)
    left = {"last_error": ABANDONED, "smtp_code": None, "smtp_answer": None}  # no answer came back
    # On the session's connection, in its transaction: a Core UPDATE says how many rows it matched.
    connection = db.session.connection()
    failed = connection.execute(
        update(OutboxMessage).where(*stale, OutboxMessage.attempts >= max_attempts)
        .values(status=OutboxStatus.FAILED, claim_token=None, **left)).rowcount
    retried = connection.execute(
        update(OutboxMessage).where(*stale)
        .values(status=OutboxStatus.PENDING, claim_token=None, next_attempt_at=now, **left)).rowcount
    commit()
    return retried, failed


def _claim_next(now: datetime, token: str) -> OutboxMessage | None:
    """Claim the oldest due message for this sender, counting the attempt; committed at once."""
    candidate = (select(OutboxMessage.id)
                 .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    claimed = db.session.connection().execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == candidate.scalar_subquery(), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_at=now, claim_token=token, last_attempt_at=now,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
    ).scalar_one_or_none()
    commit()
    if claimed is None:
        return None
    return db.session.get_one(OutboxMessage, claimed, populate_existing=True)


def _record(message_id: int, token: str, **values: object) -> None:
    """Write an attempt's result, only while this sender still holds the message; committed at once."""
    recorded = db.session.connection().execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claim_token == token)
        .values(claim_token=None, **values)).rowcount
    commit()
    if recorded != 1:
        LOG.warning("outbox message %s: the claim expired before its result was recorded; "
                    "another sender took it over", message_id)


def _attachment_bytes(message: OutboxMessage, attachment: OutboxAttachment) -> tuple[bytes, int | None]:
    """The stored bytes the attachment refers to, issuing (rendering and storing) the document on first send;
    a plugin's own document is its owner's answer (``outbox_document``), stored by the owner."""
    if attachment.stored_document_id is not None:
        return db.session.get_one(StoredDocument, attachment.stored_document_id).content, attachment.stored_document_id
    if attachment.order_id is None:
        company = db.session.get_one(Company, message.company_id)
        content = hooks_for_company(company.id).outbox_document(
            company=company, kind=attachment.document_kind, key=attachment.document_key, language=attachment.locale)
        if content is None:
            raise LookupError(f"no plugin answers for the document {attachment.document_kind} "
                              f"{attachment.document_key}")
        return content, None
    order = db.session.get_one(Order, attachment.order_id)
    document = issued_document(order, attachment.document_kind)  # in the customer's language
    return document.content, document.stored_id


def _as_email(message: OutboxMessage) -> EmailMessage:
    # Issue every attachment before writing anything: no render runs inside a write.
    attachments = attachments_of(message)
    issued = [_attachment_bytes(message, attachment) for attachment in attachments]
    for attachment, (_bytes, stored_id) in zip(attachments, issued, strict=True):
        attachment.stored_document_id = stored_id
    files = [(attachment, content) for attachment, (content, _stored) in zip(attachments, issued, strict=True)]
    email = EmailMessage()
    email["From"] = current_app.config["ORDO_MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(localtime=False)
    email.set_content(message.body)
    for attachment, content in files:
        maintype, _slash, subtype = attachment.mime_type.partition("/")
        email.add_attachment(content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return email


class _SMTP(smtplib.SMTP):
    """smtplib's client, keeping the server's answer to the message (its queue id) as well."""

    accepted: tuple[int, bytes] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.accepted = super().data(msg)
        return self.accepted


def _deliver(email: EmailMessage) -> tuple[int, str]:
    """Hand the email to the SMTP server; its answer (code, text) to the message."""
    config = current_app.config
    with _SMTP(config["ORDO_SMTP_HOST"], config["ORDO_SMTP_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["ORDO_SMTP_STARTTLS"]:
            smtp.starttls()
        if config["ORDO_SMTP_USER"]:
            smtp.login(config["ORDO_SMTP_USER"], config["ORDO_SMTP_PASSWORD"] or "")
        smtp.send_message(email)
        code, answer = smtp.accepted or (250, b"")
    return code, _text(answer)


def _attempt(message: OutboxMessage, token: str, now: datetime, max_attempts: int) -> OutboxStatus:
    """Deliver one claimed message and record what happened; the status it is left in."""
    try:
        code, answer = _deliver(_as_email(message))
    except Exception as error:  # any failure is this message's attempt; the next message goes on
        discard()  # what preparing it wrote (the attachments' stored ids) is redone next time
        if not isinstance(error, (smtplib.SMTPException, OSError)):
            LOG.exception("outbox message %s could not be prepared or sent", message.id)
        failure = failure_of(error)
        attempts = db.session.get_one(OutboxMessage, message.id).attempts
        final = failure.permanent or attempts >= max_attempts
        status = OutboxStatus.FAILED if final else OutboxStatus.PENDING
        _record(message.id, token, status=status, last_error=failure.error, smtp_code=failure.code,
                smtp_answer=failure.answer, next_attempt_at=now if final else now + _backoff(attempts))
        return status
    _record(message.id, token, status=OutboxStatus.SENT, sent_at=utcnow(), last_error=None, smtp_code=code,
            smtp_answer=answer)
    return OutboxStatus.SENT


def send_pending(*, limit: int = 100, now: datetime | None = None) -> SendReport:
    """Deliver up to ``limit`` due messages, one at a time; each claim and each result is committed on its own."""
    now = now or utcnow()
    max_attempts = current_app.config["ORDO_OUTBOX_MAX_ATTEMPTS"]
    token = uuid.uuid4().hex
    report = SendReport()
    report.retried, report.failed = _release_abandoned(now, max_attempts)
    for _turn in range(limit):
        message = _claim_next(now, token)
        if message is None:
            break
        status = _attempt(message, token, now, max_attempts)
        if status is OutboxStatus.SENT:
            report.sent += 1
        elif status is OutboxStatus.FAILED:
            report.failed += 1
        else:
            report.retried += 1
    return report


# --- administration -----------------------------------------------------------------------


def send_again(message: OutboxMessage, *, actor: User, now: datetime | None = None) -> OutboxMessage:
    """Queue a failed message again, due now, with a new round of attempts; audited.

    Raises :class:`~core.errors.Conflict` for a message that has not failed: a waiting one
    is tried anyway, a sent one is not sent twice.
    """
    if message.status is not OutboxStatus.FAILED:
        raise Conflict(_("Only a failed message can be sent again."), field="status")
    before = {"status": message.status.value, "attempts": message.attempts, "last_error": message.last_error,
              "smtp_code": message.smtp_code}
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    audit.record(company_id=message.company_id, entity="outbox_message", entity_id=message.id,
                 action="outbox_sent_again", actor=actor, before=before,
                 after={"status": message.status.value, "attempts": 0}, order_id=message.order_id)
    return message


def messages_of(company_id: int, *, status: OutboxStatus | None = None, q: str | None = None) -> Select[Any]:
    """The company's messages, newest first, with ``status`` and whose recipient or subject contains ``q``."""
    query = scoped(OutboxMessage, company_id).order_by(OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(OutboxMessage.recipient).like(pattern),
                                func.lower(OutboxMessage.subject).like(pattern)))
    return query


def message_of(company_id: int, ident: int) -> OutboxMessage:
    """One of the company's messages, or NotFound."""
    return get_scoped(OutboxMessage, company_id, ident, what=_("message"))
