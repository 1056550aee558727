"""The order confirmation to the customer: on submission an email through the outbox, the PDF attached.

Submitting queues the email with a reference to the confirmation document, not its
bytes; the outbox sender renders and stores it once and attaches the stored PDF.
An aiosmtpd server receives what the sender delivers, as in tests/core/test_outbox.py.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale
from sqlalchemy import func, select

from core.contracts import Decision, Outcome
from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OutboxAttachment, OutboxMessage, OutboxStatus, StoredDocument
from core.orders import events
from core import outbox
from core.outbox import send_pending
from plugins.intake import confirmation, services
from plugins.intake.manifest import MANIFEST
from tests import factories
from tests.core.test_documents import pdf_text
from tests.core.test_outbox import Inbox, free_port
from tests.plugins.intake import manual_review
from tests.plugins.intake.helpers import draft


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def app(make_app, smtp):
    """Intake, a review stage that waits (to send an order back and resubmit it), the shipped default language."""
    app = make_app({"ORDO_SMTP_HOST": "127.0.0.1", "ORDO_SMTP_PORT": smtp[1], "BABEL_DEFAULT_LOCALE": "zh_CN"},
                   plugins=[MANIFEST, manual_review.MANIFEST])
    with app.app_context():
        yield app


@pytest.fixture
def inbox(smtp) -> Inbox:
    return smtp[0]


def confirmations(order) -> list[OutboxMessage]:
    return list(db.session.execute(select(OutboxMessage).where(
        OutboxMessage.order_id == order.id, OutboxMessage.kind == confirmation.KIND)).scalars())


def test_submitting_queues_one_confirmation_to_the_customer_with_the_pdf_referenced(world):
    order = services.submit(draft(world), world.users["sales"])
    commit()

    [message] = confirmations(order)
    assert message.recipient == world.customers[0].email
    assert message.status == OutboxStatus.PENDING
    assert order.number in message.subject and order.number in message.body
    assert message.subject == f"{world.company.name}：您的订单 {order.number} 确认书"  # zh_CN, the default
    [attachment] = db.session.execute(select(OutboxAttachment).where(
        OutboxAttachment.message_id == message.id)).scalars().all()
    assert (attachment.order_id, attachment.document_kind, attachment.revision, attachment.locale) == (
        order.id, "confirmation", order.revision, "zh_CN")
    assert attachment.filename == f"confirmation-{order.number}.pdf" and attachment.mime_type == "application/pdf"
    # Submitting rendered nothing: the sender issues the PDF.
    assert attachment.stored_document_id is None
    assert db.session.scalar(select(func.count()).select_from(StoredDocument)) == 0


def test_the_sender_attaches_the_stored_confirmation_pdf(world, inbox):
    order = services.submit(draft(world), world.users["sales"])
    commit()

    report = send_pending()

    assert report.sent == 1
    [email] = inbox.messages
    assert email["To"] == world.customers[0].email and order.number in email["Subject"]
    assert order.number in email.get_body(preferencelist=("plain",)).get_content()
    [part] = list(email.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == f"confirmation-{order.number}.pdf"
    [attachment] = db.session.execute(select(OutboxAttachment)).scalars().all()
    stored = db.session.get_one(StoredDocument, attachment.stored_document_id)
    assert part.get_content() == stored.content and stored.content.startswith(b"%PDF-")
    assert (stored.order_id, stored.kind, stored.variant) == (order.id, "confirmation", "zh_Hans_CN:prices")


def test_sending_again_sends_nothing_new_and_renders_once(world, inbox):
    order = services.submit(draft(world), world.users["sales"])
    commit()

    assert send_pending().sent == 1
    assert send_pending().sent == 0

    assert len(inbox.messages) == 1
    assert db.session.scalar(select(func.count()).select_from(StoredDocument)) == 1
    assert len(confirmations(order)) == 1


def test_a_resubmitted_order_is_confirmed_once_per_revision(world, inbox):
    order = services.submit(draft(world), world.users["sales"])
    commit()
    events.decide_review(order, Decision(Outcome.SENT_BACK, reasons=("unit price below the floor",)),
                         actor=world.users["finance"])
    commit()

    services.submit(order, world.users["sales"])
    commit()
    confirmation.send_confirmation(order)  # asked again for the same revision
    commit()

    assert len(confirmations(order)) == 1


def test_a_customer_without_email_gets_no_confirmation_and_the_order_says_so(world):
    world.customers[0].email = None
    commit()

    order = services.submit(draft(world), world.users["sales"])
    commit()

    assert confirmations(order) == []
    [note] = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "confirmation_not_sent")).scalars().all()
    assert world.customers[0].name in (note.note or "")


def test_the_attachment_is_the_same_pdf_a_user_opens(app, world, inbox):
    order = services.submit(draft(world), world.users["sales"])
    commit()
    send_pending()

    response = factories.portal_login(app, world.users["customer"]).get(f"/orders/{order.id}/documents/confirmation")

    [part] = list(inbox.messages[0].iter_attachments())
    assert response.status_code == 200
    assert response.data == part.get_content()


def test_an_attachment_that_cannot_be_issued_is_retried_not_sent_without_it(world, inbox):
    order = services.submit(draft(world), world.users["sales"])
    outbox.enqueue(company_id=order.company_id, order_id=order.id, recipient="wang@example.cn", subject="x", body="y",
                   kind="test", attachments=[outbox.DocumentRef(order, "no-such-kind", "x.pdf")])
    commit()

    report = send_pending()

    assert (report.sent, report.retried) == (1, 1)  # the confirmation goes; the broken one waits
    broken = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "test")).scalar_one()
    assert broken.status == OutboxStatus.PENDING and "no-such-kind" in (broken.last_error or "")
    assert [email["Subject"] for email in inbox.messages] == [confirmations(order)[0].subject]


def test_an_english_customer_gets_the_email_and_the_pdf_in_english_whoever_submits(world, inbox, tmp_path):
    world.customers[0].language = "en"
    commit()
    with force_locale("zh_CN"):  # a Chinese clerk submits, on an installation whose default is Chinese
        order = services.submit(draft(world), world.users["sales"])
        commit()

    send_pending()

    [email] = inbox.messages
    assert email["Subject"] == f"{world.company.name}: confirmation of your order {order.number}"
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "thank you for your order" in body and "您的订单" not in body
    [part] = list(email.iter_attachments())
    text = pdf_text(part.get_content(), tmp_path)
    assert "Order confirmation" in text and "订单确认书" not in text
    [attachment] = db.session.execute(select(OutboxAttachment)).scalars().all()
    assert attachment.locale == "en"


def test_a_chinese_customer_gets_it_in_chinese_when_an_english_clerk_submits(world, inbox, tmp_path):
    world.customers[0].language = "zh_CN"
    commit()
    with force_locale("en"):
        order = services.submit(draft(world), world.users["sales"])
        commit()

    send_pending()

    [email] = inbox.messages
    assert email["Subject"] == f"{world.company.name}：您的订单 {order.number} 确认书"
    [part] = list(email.iter_attachments())
    assert "订单确认书" in pdf_text(part.get_content(), tmp_path)
