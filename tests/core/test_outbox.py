"""The outbox: messages queued in a transaction, delivered after commit over real SMTP.

An aiosmtpd server on 127.0.0.1 receives what ``send_pending`` delivers, so the
tests see the envelope and the headers a real mail server would see.
"""
from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import OutboxMessage, OutboxStatus, utcnow
from core.outbox import Recipient, enqueue, render_email, send_email, send_pending, to_customer, to_user
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


# --- emails from templates, in the recipient's language ------------------------------------------


def test_an_email_to_a_customer_is_rendered_from_its_template_in_the_customers_language(mail_app, company, inbox):
    customer = factories.customer(company, email="buyer@hamburg.example", language="en")
    order = SimpleNamespace(contact=None, customer=customer, display_number="SO20261207-0001",
                            customer_reference=None, source_reference=None)
    with force_locale("zh_CN"):  # whoever sends it reads Chinese
        message = send_email("intake/waiting_email.txt", to_customer(customer), company_id=company.id,
                             kind="intake.waiting", order=order, company=company, missing="the delivery address")
    commit()

    send_pending()

    [received] = inbox.messages
    assert received["To"] == "buyer@hamburg.example"
    assert received["Subject"] == f"{company.name}: your order SO20261207-0001 needs an answer"
    body = received.get_content()
    assert body.startswith(f"Dear {customer.name},") and "the delivery address" in body
    assert message.subject == received["Subject"]


def test_a_customer_without_a_language_gets_the_companys_and_staff_their_accounts(mail_app, company):
    company.language = "zh_CN"
    customer = factories.customer(company, email="wang@example.cn")
    clerk = factories.user(company, "sales", email="clerk@example.cn")
    clerk.locale = "en"
    commit()

    assert to_customer(customer) == Recipient("wang@example.cn", "zh_CN")
    assert to_user(clerk) == Recipient("clerk@example.cn", "en")
    subject, body = render_email("intake/waiting_email.txt", "zh_CN", company=company, missing="地址",
                                 order=SimpleNamespace(contact="王经理", customer=customer, display_number="#7",
                                                       customer_reference="PO-1", source_reference=None))
    assert subject == f"{company.name}：您的订单 PO-1 需要您的答复" and body.startswith("王经理")


def test_a_recipient_without_an_address_is_none(mail_app, company):
    assert to_customer(factories.customer(company, email=None)) is None
    assert to_user(factories.user(company, "sales", email=None)) is None


def test_every_email_in_core_and_plugins_is_queued_from_a_template():
    # ``enqueue`` takes text; only the outbox's ``send_email`` may call it, with a rendered template.
    root = Path(__file__).resolve().parents[2]
    call = re.compile(r"(?<![\w])(?:outbox\.)?enqueue\(")
    callers = [path.relative_to(root).as_posix() for folder in ("core", "plugins")
               for path in (root / folder).rglob("*.py") if call.search(path.read_text(encoding="utf-8"))]
    assert callers == ["core/outbox.py"]
