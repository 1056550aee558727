"""The outbox: messages queued in a transaction, delivered after commit over real SMTP.

An aiosmtpd server on 127.0.0.1 receives what ``send_pending`` delivers, so the
tests see the envelope and the headers a real mail server would see.
"""
from __future__ import annotations

import re
import socket
import threading
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
from core.errors import Conflict
from core.extensions import db
from core.models import AuditEntry, OutboxMessage, OutboxStatus, utcnow
from core.outbox import (
    ABANDONED, CLAIM_TIMEOUT, DocumentRef, Recipient, _claim_next, _record, enqueue, render_email, send_again,
    send_email, send_pending, to_customer, to_user,
)
from tests import factories, orders
from tests.factories import reload

SUBJECT = "订单 SO20261127-0042 已审核通过"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, and refuses the recipients it is told to."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: dict[str, str] = {}  # recipient -> the answer to RCPT TO

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return f"250 2.0.0 Ok: queued as Q{len(self.envelopes):04d}"

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
    assert (sent.smtp_code, sent.smtp_answer) == (250, "2.0.0 Ok: queued as Q0001")
    assert sent.last_attempt_at is not None and sent.claim_token is None


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


def test_a_recipient_the_server_refuses_for_good_fails_at_once_with_the_servers_answer(company, inbox):
    inbox.refuse["nobody@example.cn"] = "550 5.1.1 <nobody@example.cn>: Recipient address rejected"
    refused = queue(company, recipient="nobody@example.cn")
    fine = queue(company)

    report = send_pending()

    assert (report.sent, report.retried, report.failed) == (1, 0, 1)
    failed = reload(refused)
    assert failed.status == OutboxStatus.FAILED
    assert failed.attempts == 1
    assert failed.smtp_code == 550
    assert failed.smtp_answer == "5.1.1 <nobody@example.cn>: Recipient address rejected"
    assert "SMTPRecipientsRefused" in failed.last_error
    assert reload(fine).status == OutboxStatus.SENT
    assert [e.rcpt_tos for e in inbox.envelopes] == [["wang@example.cn"]]


def test_a_temporary_refusal_waits_with_the_answer_kept_and_is_sent_later(company, inbox):
    inbox.refuse["wang@example.cn"] = "451 4.3.0 Mailbox temporarily unavailable"
    message = queue(company)
    first = utcnow()

    assert send_pending(now=first).retried == 1
    waiting = reload(message)
    assert waiting.status == OutboxStatus.PENDING
    assert (waiting.smtp_code, waiting.smtp_answer) == (451, "4.3.0 Mailbox temporarily unavailable")
    assert waiting.next_attempt_at == first + timedelta(minutes=2)

    del inbox.refuse["wang@example.cn"]
    assert send_pending(now=waiting.next_attempt_at).sent == 1
    sent = reload(message)
    assert (sent.status, sent.attempts, sent.smtp_code, sent.last_error) == (OutboxStatus.SENT, 2, 250, None)


def test_a_message_that_cannot_be_prepared_is_a_counted_attempt_and_the_next_one_still_goes(mail_app, inbox):
    world = factories.build_world(mail_app)
    order = orders.draft(world)
    broken = enqueue(company_id=world.company.id, recipient="wang@example.cn", subject="附件", body="-",
                     kind="order_approved", order_id=order.id,
                     attachments=[DocumentRef(order, "no-such-document", "x.pdf")])
    commit()
    fine = queue(world.company, recipient="li@example.cn")
    now = utcnow()
    seen = []

    for _turn in range(3):  # ORDO_OUTBOX_MAX_ATTEMPTS
        report = send_pending(now=now)
        seen.append((report.sent, report.retried, report.failed))
        now = reload(broken).next_attempt_at

    assert seen == [(1, 1, 0), (0, 1, 0), (0, 0, 1)]
    given_up = reload(broken)
    assert given_up.status == OutboxStatus.FAILED and given_up.attempts == 3
    assert given_up.last_error.startswith("NotFound:") and "no-such-document" in given_up.last_error
    assert reload(fine).status == OutboxStatus.SENT
    assert [e.rcpt_tos for e in inbox.envelopes] == [["li@example.cn"]]


def test_a_message_left_by_a_sender_that_died_counts_that_attempt_and_fails_after_the_last(mail_app, company, inbox):
    message = queue(company)
    started = utcnow()
    for attempt in (1, 2, 3):  # ORDO_OUTBOX_MAX_ATTEMPTS senders each die after claiming it
        assert _claim_next(started, f"dead-{attempt}").id == message.id
        started += CLAIM_TIMEOUT + timedelta(seconds=1)
        if attempt < 3:
            assert send_pending(limit=0, now=started).retried == 1
            left = reload(message)
            assert (left.status, left.attempts, left.last_error) == (OutboxStatus.PENDING, attempt, ABANDONED)

    report = send_pending(now=started)

    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    given_up = reload(message)
    assert (given_up.status, given_up.attempts, given_up.last_error) == (OutboxStatus.FAILED, 3, ABANDONED)
    assert inbox.envelopes == []


def test_a_sender_whose_claim_expired_does_not_overwrite_the_result_of_the_one_that_took_over(company, inbox):
    message = queue(company)
    claimed_at = utcnow()
    slow = _claim_next(claimed_at, "slow-sender")

    assert send_pending(now=claimed_at + CLAIM_TIMEOUT + timedelta(seconds=1)).sent == 1
    _record(slow.id, "slow-sender", status=OutboxStatus.FAILED, last_error="timed out")

    assert reload(message).status == OutboxStatus.SENT
    assert reload(message).last_error is None
    assert len(inbox.envelopes) == 1


def test_senders_running_at_once_hand_each_message_to_the_server_exactly_once(mail_app, company, inbox):
    queued = [queue(company, recipient=f"buyer{n}@example.cn").message_id for n in range(24)]
    reports = []
    start = threading.Barrier(3)

    def sender() -> None:
        with mail_app.app_context():
            start.wait()
            reports.append(send_pending())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(report.sent for report in reports) == 24
    assert sorted(received["Message-ID"] for received in inbox.messages) == sorted(queued)
    assert {m.status for m in db.session.execute(select(OutboxMessage)).scalars()} == {OutboxStatus.SENT}


def test_an_administrator_sends_a_failed_message_again_with_a_new_round_of_attempts(mail_app, company, inbox):
    admin = factories.user(company, "administrator")
    inbox.refuse["wang@example.cn"] = "550 5.1.1 unknown user"
    message = queue(company)
    send_pending()
    failed = reload(message)
    assert failed.status == OutboxStatus.FAILED

    send_again(failed, actor=admin)
    commit()

    again = reload(message)
    assert (again.status, again.attempts) == (OutboxStatus.PENDING, 0)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity == "outbox_message")).scalar_one()
    assert (entry.entity_id, entry.action, entry.actor_id) == (message.id, "outbox_sent_again", admin.id)
    assert entry.before["status"] == "failed" and entry.before["smtp_code"] == 550
    del inbox.refuse["wang@example.cn"]
    assert send_pending().sent == 1
    assert len(inbox.envelopes) == 1


def test_a_message_that_has_not_failed_cannot_be_sent_again(company, inbox):
    admin = factories.user(company, "administrator")
    message = queue(company)
    send_pending()

    with pytest.raises(Conflict):
        send_again(reload(message), actor=admin)
    assert len(inbox.envelopes) == 1


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
