"""The notification outbox: written in the transaction that caused it, sent after commit.

``enqueue`` adds a message to the current transaction, so a rolled-back action
sends nothing. ``send_pending`` (the ``ordo outbox send`` command) claims due
messages, delivers them over SMTP and records the result one message at a
time; a failure is retried later with back-off and a sent message is never
picked up again. Every message carries a stable Message-ID, so a receiver can
drop the rare duplicate of a message whose delivery outlived a crash.
"""
from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy import select, update

from core.db import commit
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus, utcnow

CLAIM_TIMEOUT = timedelta(minutes=10)


def enqueue(*, company_id: int, recipient: str, subject: str, body: str, kind: str,
            order_id: int | None = None) -> OutboxMessage:
    """Queue an email in the current transaction."""
    domain = current_app.config["ORDO_MAIL_FROM"].rpartition("@")[2] or "ordo.local"
    message = OutboxMessage(company_id=company_id, order_id=order_id, kind=kind, recipient=recipient,
                            subject=subject, body=body, message_id=f"<{uuid.uuid4().hex}@{domain}>")
    db.session.add(message)
    return message


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


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["ORDO_MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(localtime=False)
    email.set_content(message.body)
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
        except (smtplib.SMTPException, OSError) as error:
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
