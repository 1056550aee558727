"""The statement's email carries the statement's PDF: queued as a reference the outbox resolves through
``outbox_document`` when it sends, each customer's email their own statement, the same bytes the portal serves.
An aiosmtpd server receives what the sender delivers, as in tests/core/test_outbox.py."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core import outbox
from core.db import commit
from core.extensions import db
from core.models import Company, OutboxMessage, OutboxStatus
from core.modules import hooks_for_company
from core.outbox import send_pending
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing.statements import documents
from plugins.billing.statements.models import Statement
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories
from tests.core.test_documents import pdf_text
from tests.core.test_outbox import Inbox, free_port
from tests.plugins.billing import listener
from tests.plugins.billing.statements_helpers import at, date_delivery, make, pay


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def app(make_app, smtp):
    app = make_app({"ORDO_SMTP_HOST": "127.0.0.1", "ORDO_SMTP_PORT": smtp[1]},
                   plugins=[INTAKE, BILLING, listener.MANIFEST])
    with app.app_context():
        yield app


def two_statements(world, place_order, deliver) -> list[Statement]:
    """January's statements of both customers, made in one run."""
    for customer in (0, 1):
        order = deliver(place_order(customer=customer))
        date_delivery(order, at("2026-01-10 10:00"))
        pay(order, "1000.00", at("2026-01-20 15:00"), world.users["finance"])
    made = make(world.company, at("2026-02-01 02:00"))
    assert sorted(statement.customer_id for statement in made) == [c.id for c in world.customers]
    return made


def statement_numbers(email) -> list[str]:
    """The statements an email attaches, by their files' names."""
    return [part.get_filename().removeprefix("statement-").removesuffix(".pdf") for part in email.iter_attachments()
            if part.get_filename().startswith("statement-")]


def test_each_customers_statement_email_carries_their_own_statement_pdf(app, world, place_order, deliver, smtp,
                                                                        tmp_path):
    made = two_statements(world, place_order, deliver)
    queued = list(db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "statement_sent")).scalars())
    for message in queued:
        [attachment] = outbox.attachments_of(message)
        assert (attachment.order_id, attachment.document_kind) == (None, documents.OUTBOX_KIND)
        assert attachment.stored_document_id is None  # the run rendered nothing: the sender asks for it

    report = send_pending()

    assert report.sent == len(db.session.execute(select(OutboxMessage)).all())  # the invoices' emails too
    by_recipient = {email["To"]: email for email in smtp[0].messages if statement_numbers(email)}
    for statement in made:
        db.session.refresh(statement)
        customer = statement.customer
        other = next(c for c in world.customers if c.id != customer.id)
        email = by_recipient[customer.email]
        [part] = list(email.iter_attachments())
        assert part.get_content_type() == "application/pdf"
        assert part.get_filename() == f"statement-{statement.number}.pdf"
        content = part.get_content()
        assert content == documents.outbox_document(db.session.get_one(Company, world.company.id),
                                                    documents.OUTBOX_KIND, statement.id, "en")
        text = pdf_text(content, tmp_path)
        assert statement.number in text and customer.name in text and other.name not in text


def test_the_attached_pdf_is_the_one_the_customer_opens_in_the_portal(app, world, place_order, deliver, smtp):
    made = two_statements(world, place_order, deliver)
    send_pending()
    mine = next(statement for statement in made if statement.customer_id == world.users["customer"].customer_id)
    opened = factories.portal_login(app, world.users["customer"]).get(f"/statements/{mine.id}/document")
    assert opened.status_code == 200, opened.get_data(as_text=True)[:300]
    email = next(email for email in smtp[0].messages if statement_numbers(email) == [mine.number])
    [part] = list(email.iter_attachments())
    assert part.get_content() == opened.data


def test_hook_outbox_document(app, world, place_order, deliver):
    """Billing answers its statements' PDFs, of the asking company only, and nothing of another kind."""
    [statement, _other] = two_statements(world, place_order, deliver)
    company = db.session.get_one(Company, world.company.id)
    hooks = hooks_for_company(company.id)
    pdf = hooks.outbox_document(company=company, kind=documents.OUTBOX_KIND, key=statement.id, language="en")
    assert pdf is not None and pdf.startswith(b"%PDF-")
    assert hooks.outbox_document(company=company, kind=documents.OUTBOX_KIND, key=statement.id,
                                 language="en") == pdf  # stored: a resend attaches the same bytes
    assert hooks.outbox_document(company=company, kind="invoice", key=statement.id, language="en") is None
    stranger = factories.company("OTHER")
    commit()
    assert hooks.outbox_document(company=stranger, kind=documents.OUTBOX_KIND, key=statement.id,
                                 language="en") is None


def test_a_statement_that_cannot_be_found_keeps_its_email_waiting_not_sent_without_it(app, world, smtp):
    outbox.enqueue(company_id=world.company.id, recipient="c001@example.cn", subject="x", body="y", kind="test",
                   attachments=[outbox.OwnedDocumentRef(documents.OUTBOX_KIND, 999_999, "statement-x.pdf")])
    commit()

    report = send_pending()

    assert (report.sent, report.retried) == (0, 1)
    waiting = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "test")).scalar_one()
    assert waiting.status == OutboxStatus.PENDING and "billing.statement 999999" in (waiting.last_error or "")
    assert smtp[0].messages == []
