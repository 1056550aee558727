"""The outbox: messages queued in a transaction, delivered after commit over real SMTP.

An aiosmtpd server on 127.0.0.1 receives what ``send_pending`` delivers, so the
tests see the envelope and the headers a real mail server would see.
"""
from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus, utcnow
from core.outbox import enqueue, send_pending
from tests import factories
from tests.factories import reload

SUBJECT = "订单 SO20261127-0042 已审核通过"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.original_content or e.content, policy=policy.default)
                for e in self.envelopes]


def free_port() -> int:
    """A port nothing listens on (closed again before it is used)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp):
    _, port = smtp
    app = make_app({"ORDO_SMTP_HOST": "127.0.0.1", "ORDO_SMTP_PORT": port, "ORDO_OUTBOX_MAX_ATTEMPTS": 3})
    with app.app_context():
        yield app


@pytest.fixture
def inbox(smtp) -> Inbox:
    return smtp[0]


@pytest.fixture
def company(mail_app):
    return factories.company()


def queue(company, recipient: str = "wang@example.cn", subject: str = SUBJECT) -> OutboxMessage:
    message = enqueue(company_id=company.id, recipient=recipient, subject=subject,
                      body="您的订单已审核通过，我们将尽快安排生产。", kind="order_approved")
    commit()
    return message


def test_a_queued_message_is_delivered_once_with_its_message_id_subject_and_recipient(company, inbox):
    message = queue(company)

    report = send_pending()

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].rcpt_tos == ["wang@example.cn"]
    received = inbox.messages[0]
    assert received["Message-ID"] == message.message_id
    assert received["Subject"] == SUBJECT
    assert received["To"] == "wang@example.cn"
    assert "审核通过" in received.get_content()
    sent = reload(message)
    assert sent.status == OutboxStatus.SENT
    assert sent.attempts == 1 and sent.sent_at is not None


def test_a_second_run_sends_nothing_more(company, inbox):
    queue(company)
    send_pending()

    report = send_pending()

    assert (report.sent, report.retried, report.failed) == (0, 0, 0)
    assert len(inbox.envelopes) == 1


def test_a_message_queued_in_a_rolled_back_transaction_is_never_sent(company, inbox):
    enqueue(company_id=company.id, recipient="wang@example.cn", subject=SUBJECT, body="-", kind="order_approved")
    db.session.rollback()

    report = send_pending()

    assert report.sent == 0
    assert inbox.envelopes == []
    assert db.session.execute(select(OutboxMessage)).scalars().all() == []


def test_a_message_waits_while_the_server_is_down_and_is_delivered_once_later(mail_app, company, inbox):
    message = queue(company)
    up = mail_app.config["ORDO_SMTP_PORT"]
    mail_app.config["ORDO_SMTP_PORT"] = free_port()
    first_try = utcnow()

    report = send_pending(now=first_try)

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    waiting = reload(message)
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.attempts == 1
    assert waiting.last_error
    assert waiting.next_attempt_at > first_try

    mail_app.config["ORDO_SMTP_PORT"] = up
    assert send_pending(now=first_try).sent == 0  # not due yet: the back-off holds
    assert inbox.envelopes == []

    report = send_pending(now=waiting.next_attempt_at + timedelta(seconds=1))
    assert report.sent == 1
    assert send_pending(now=waiting.next_attempt_at + timedelta(days=1)).sent == 0
    assert len(inbox.envelopes) == 1
    assert inbox.messages[0]["Message-ID"] == message.message_id
    delivered = reload(message)
    assert delivered.status == OutboxStatus.SENT
    assert delivered.attempts == 2 and delivered.last_error is None


def test_after_the_last_allowed_attempt_a_message_is_failed_and_not_retried(mail_app, company, inbox):
    message = queue(company)
    up = mail_app.config["ORDO_SMTP_PORT"]
    mail_app.config["ORDO_SMTP_PORT"] = free_port()
    when = utcnow()
    reports = []
    for _ in range(3):  # ORDO_OUTBOX_MAX_ATTEMPTS
        reports.append(send_pending(now=when))
        when = reload(message).next_attempt_at + timedelta(seconds=1)

    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    given_up = reload(message)
    assert given_up.status == OutboxStatus.FAILED
    assert given_up.attempts == 3

    mail_app.config["ORDO_SMTP_PORT"] = up
    report = send_pending(now=utcnow() + timedelta(days=30))
    assert (report.sent, report.retried, report.failed) == (0, 0, 0)
    assert inbox.envelopes == []
    assert reload(message).status == OutboxStatus.FAILED


def test_the_cli_sends_due_messages_and_prints_the_counts(mail_app, company, inbox):
    queue(company)
    queue(company, recipient="li@example.cn", subject="发货通知")

    result = mail_app.test_cli_runner().invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 2, to retry 0, given up 0"
    assert sorted(rcpt for e in inbox.envelopes for rcpt in e.rcpt_tos) == ["li@example.cn", "wang@example.cn"]
