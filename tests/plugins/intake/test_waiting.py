"""Waiting for the customer: incomplete or doubtful data goes back to the customer, and stays in the inbox."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import Conflict, ValidationError
from core.extensions import db
from core.inbox import tasks_for
from core.masterdata import update as update_master
from core.models import AuditEntry, OutboxMessage
from plugins.intake import services, waiting
from tests.factories import portal_login
from tests.plugins.intake.helpers import draft


def test_a_draft_waits_for_the_customer_in_the_clerks_inbox_with_its_age(world):
    order = draft(world)
    wait = waiting.mark_waiting(order, "请确认阀门规格是 DN50 还是 DN65", world.users["sales"])
    wait.since -= timedelta(days=3)
    db.session.flush()

    task, = [t for t in tasks_for(world.users["sales"]) if t.kind == "intake.waiting"]
    assert task.title == (f"Waiting 3 day(s) for the customer's answer on draft order #{order.id} "
                          "(上海华东机电有限公司): 请确认阀门规格是 DN50 还是 DN65")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "waiting_for_customer")).scalar_one()
    assert entry.after == {"missing": "请确认阀门规格是 DN50 还是 DN65", "emailed_to": None}


def test_the_customer_is_emailed_through_the_outbox_when_asked(world):
    order = draft(world, customer_reference="采购单 0927")

    waiting.mark_waiting(order, "缺少开票信息：税号", world.users["sales"], email=True)

    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.recipient == "c001@example.cn" and message.kind == "intake.waiting"
    assert message.subject == "Acme 贸易有限公司: your order 采购单 0927 needs an answer"
    assert "缺少开票信息：税号" in message.body and message.body.startswith("Dear 王经理,")


def test_what_is_missing_must_be_said_and_an_email_needs_an_address(world):
    order = draft(world)
    with pytest.raises(ValidationError) as empty:
        waiting.mark_waiting(order, "  ", world.users["sales"])
    update_master(world.customers[0], data={"email": None}, actor=None)
    with pytest.raises(ValidationError) as no_address:
        waiting.mark_waiting(order, "数量?", world.users["sales"], email=True)

    assert (empty.value.field, empty.value.message) == (
        "missing", "say what is missing or doubtful, for the customer to answer")
    assert (no_address.value.field, no_address.value.message) == (
        "email", "customer 上海华东机电有限公司 has no email address; call them instead")


def test_a_waiting_draft_is_not_submitted_until_answered(world):
    order = draft(world)
    waiting.mark_waiting(order, "交货日期待确认", world.users["sales"])

    with pytest.raises(Conflict) as refused:
        services.submit(order, world.users["sales"])
    assert refused.value.field == "waiting" and "is waiting for the customer (交货日期待确认)" in refused.value.message

    waiting.mark_answered(order, world.users["sales"])
    services.submit(order, world.users["sales"])
    assert order.number is not None


def test_editing_the_draft_answers_it(world):
    order = draft(world)
    waiting.mark_waiting(order, "数量待确认", world.users["sales"])

    services.update_draft(order, {"notes": "客户确认数量 2 个"}, world.users["sales"])

    assert waiting.open_wait(order) is None
    assert [t.kind for t in tasks_for(world.users["sales"])] == ["intake.submit"]


def test_the_order_page_sends_a_draft_back_and_takes_the_answer(app, world):
    order = draft(world)
    client = portal_login(app, world.users["sales"])

    with app.app_context():
        client.post(f"/orders/{order.id}/waiting", data={"missing": "发票抬头?", "email": "y"})
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Waiting for the customer since" in page and "发票抬头?" in page and "Emailed to c001@example.cn." in page

    with app.app_context():
        client.post(f"/orders/{order.id}/answered")
    db.session.rollback()
    assert waiting.open_wait(order) is None
