"""The outbox in the portal: administrators read what was sent, what waits and what failed, and send a failed
message again."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.companies import set_role_permissions
from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OutboxAttachment, OutboxMessage, OutboxStatus, utcnow
from core.outbox import ABANDONED, enqueue
from tests import factories, orders
from tests.core.test_queries import WRITES, statements
from tests.factories import reload


def message(company_id: int, recipient: str, subject: str, status: OutboxStatus, **outcome) -> OutboxMessage:
    """A queued message, left as the sender would have left it."""
    queued = enqueue(company_id=company_id, recipient=recipient, subject=subject,
                     body=f"{subject}\n\n此致\nAcme", kind="order_confirmation")
    queued.status = status
    for name, value in outcome.items():
        setattr(queued, name, value)
    commit()
    return queued


@pytest.fixture
def mail(app, world):
    now = utcnow()
    company_id = world.company.id
    return {
        "sent": message(company_id, "wang@example.cn", "订单确认 SO-1", OutboxStatus.SENT, attempts=1, sent_at=now,
                        last_attempt_at=now, smtp_code=250, smtp_answer="2.0.0 Ok: queued as 4F2A"),
        "waiting": message(company_id, "li@example.cn", "发货通知 SO-2", OutboxStatus.PENDING, attempts=2,
                           last_attempt_at=now, next_attempt_at=now + timedelta(minutes=4),
                           last_error="ConnectionRefusedError: [Errno 111] Connection refused"),
        "failed": message(company_id, "nobody@example.cn", "发票 SO-3", OutboxStatus.FAILED, attempts=1,
                          last_attempt_at=now, smtp_code=550, smtp_answer="5.1.1 Recipient address rejected",
                          last_error="SMTPRecipientsRefused: {'nobody@example.cn': (550, ...)}"),
    }


def test_the_administrator_reads_sent_waiting_and_failed_messages_with_the_servers_answer(app, world, mail):
    admin = factories.portal_login(app, world.users["administrator"])

    page = admin.get("/admin/outbox").get_data(as_text=True)

    for recipient in ("wang@example.cn", "li@example.cn", "nobody@example.cn"):
        assert recipient in page
    assert "订单确认 SO-1" in page and "发票 SO-3" in page
    assert "250 2.0.0 Ok: queued as 4F2A" in page
    assert "550 5.1.1 Recipient address rejected" in page
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in page
    for status in ("Sent", "Waiting", "Failed"):
        assert f'">{status}</span>' in page
    assert 'href="/admin/outbox"' in page  # the menu's link


def test_the_statuses_read_in_chinese_on_a_chinese_page(app, world, mail):
    admin = factories.portal_login(app, world.users["administrator"])

    page = admin.get("/admin/outbox", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)

    for status in ("已发送", "等待中", "失败"):
        assert f'">{status}</span>' in page
    assert "外发邮件" in page


def test_a_message_whose_sender_died_says_so_in_the_readers_language(app, world):
    left = message(world.company.id, "wang@example.cn", "订单确认", OutboxStatus.PENDING, attempts=1,
                   last_error=ABANDONED)
    admin = factories.portal_login(app, world.users["administrator"])

    english = admin.get("/admin/outbox").get_data(as_text=True)
    chinese = admin.get(f"/admin/outbox/{left.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)

    assert "The sender stopped before it recorded the result" in english and ABANDONED not in english
    assert "发送程序在记录结果之前停止了" in chinese and ABANDONED not in chinese


def test_the_list_searches_filters_by_status_and_exports(app, world, mail):
    admin = factories.portal_login(app, world.users["administrator"])

    searched = admin.get("/admin/outbox?q=SO-2").get_data(as_text=True)
    assert "li@example.cn" in searched and "wang@example.cn" not in searched
    failed_only = admin.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "nobody@example.cn" in failed_only and "li@example.cn" not in failed_only

    exported = admin.get("/admin/outbox?format=csv&sort=recipient").get_data(as_text=True).lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(exported)))
    assert header[:4] == ["Queued at", "Recipient", "Subject", "Status"] and header[-1] == "Server's answer"
    assert [(row[1], row[3], row[-1]) for row in rows] == [
        ("li@example.cn", "Waiting", "ConnectionRefusedError: [Errno 111] Connection refused"),
        ("nobody@example.cn", "Failed", "550 5.1.1 Recipient address rejected"),
        ("wang@example.cn", "Sent", "250 2.0.0 Ok: queued as 4F2A"),
    ]
    assert admin.get("/admin/outbox?format=xlsx").status_code == 200
    assert admin.get("/admin/outbox?status=lost").status_code == 400


def test_a_message_page_shows_its_text_attempts_and_answer_and_offers_sending_again_only_when_failed(
        app, world, mail):
    admin = factories.portal_login(app, world.users["administrator"])

    failed = admin.get(f"/admin/outbox/{mail['failed'].id}").get_data(as_text=True)
    sent = admin.get(f"/admin/outbox/{mail['sent'].id}").get_data(as_text=True)

    assert "nobody@example.cn" in failed and "此致" in failed
    assert "550 5.1.1 Recipient address rejected" in failed and "SMTPRecipientsRefused" in failed
    assert mail["failed"].message_id.replace("<", "&lt;").replace(">", "&gt;") in failed
    assert "Send again" in failed
    assert "250 2.0.0 Ok: queued as 4F2A" in sent and "Send again" not in sent


def test_sending_a_failed_message_again_queues_it_now_and_is_audited(app, world, mail):
    admin = factories.portal_login(app, world.users["administrator"])

    response = admin.post(f"/admin/outbox/{mail['failed'].id}/send-again")

    assert response.status_code == 302
    again = reload(mail["failed"])
    assert (again.status, again.attempts) == (OutboxStatus.PENDING, 0)
    assert again.next_attempt_at <= utcnow()
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "outbox_sent_again")).scalar_one()
    assert (entry.entity, entry.entity_id, entry.actor_id) == ("outbox_message", again.id,
                                                               world.users["administrator"].id)
    assert "queued again" in admin.get(response.location).get_data(as_text=True)


def test_a_sent_message_is_not_sent_again_and_the_page_says_why(app, world, mail):
    admin = factories.portal_login(app, world.users["administrator"])

    response = admin.post(f"/admin/outbox/{mail['sent'].id}/send-again", follow_redirects=True)

    assert "Only a failed message can be sent again." in response.get_data(as_text=True)
    assert reload(mail["sent"]).status == OutboxStatus.SENT
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "outbox_sent_again")).first() is None


def test_only_administrators_see_the_outbox_and_only_their_companys(app, world, mail):
    sales = factories.portal_login(app, world.users["sales"])
    assert sales.get("/admin/outbox").status_code == 403
    assert sales.post(f"/admin/outbox/{mail['failed'].id}/send-again").status_code == 403
    assert 'href="/admin/outbox"' not in sales.get("/inbox").get_data(as_text=True)
    other = factories.build_world(app, "OTHER")
    stranger = factories.portal_login(app, other.users["administrator"])
    assert stranger.get(f"/admin/outbox/{mail['failed'].id}").status_code == 404
    assert "nobody@example.cn" not in stranger.get("/admin/outbox").get_data(as_text=True)
    assert reload(mail["failed"]).status == OutboxStatus.FAILED


def _count(engine, client, url: str) -> int:
    with statements(engine) as seen:
        response = client.get(url)
        response.close()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert not [s for s in seen if s.lstrip().upper().startswith(WRITES)], seen
    return len(seen)


def test_the_list_and_a_message_page_issue_as_many_statements_for_many_messages_as_for_few(make_app):
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        order = orders.draft(world)
        company_id = world.company.id
        few = message(company_id, "a@example.cn", "one", OutboxStatus.SENT, smtp_code=250)
        many = message(company_id, "b@example.cn", "many", OutboxStatus.FAILED, smtp_code=550)
        for n in range(6):
            db.session.add(OutboxAttachment(message_id=many.id, order_id=order.id, document_kind="invoice",
                                            revision=1, locale="en", filename=f"invoice-{n}.pdf"))
        commit()
        admin = factories.portal_login(app, world.users["administrator"])
        engine = db.engine
        ids = few.id, many.id
    with app.app_context():
        one_message = _count(engine, admin, "/admin/outbox")
    with app.app_context():
        for n in range(60):
            message(company_id, f"c{n}@example.cn", f"notice {n}", OutboxStatus.PENDING)
    sixty_messages = _count(engine, admin, "/admin/outbox")
    assert sixty_messages == one_message
    assert _count(engine, admin, f"/admin/outbox/{ids[0]}") == _count(engine, admin, f"/admin/outbox/{ids[1]}")


def test_a_reader_without_prices_sees_the_outbox_but_not_a_messages_text(app, world):
    invoice = message(world.company.id, "wang@example.cn", "发票 SO-9", OutboxStatus.SENT, smtp_code=250)
    invoice.body = "应付金额 ¥11,661.60"
    commit()
    production = world.users["production"]
    set_role_permissions(production.roles[0], ["order.view", "admin.outbox"], actor=None)
    commit()
    client = factories.portal_login(app, production)

    page = client.get(f"/admin/outbox/{invoice.id}").get_data(as_text=True)

    assert "wang@example.cn" in page and "11,661.60" not in page
    assert "The text is not shown" in page
    admin = factories.portal_login(app, world.users["administrator"])
    assert "11,661.60" in admin.get(f"/admin/outbox/{invoice.id}").get_data(as_text=True)
