"""Statements' portal pages: the list with search and export, a statement with its lines, the customer's
confirmation and dispute with a stamped copy, staff's answer, amounts only with prices, and each page's cost
the same however many lines."""
from __future__ import annotations

import io

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import OutboxMessage, Role, RolePermission
from plugins.billing.statements.models import DisputeStatus, Resolution, Statement, StatementAttachment, \
    StatementDispute, StatementStatus
from tests.core.test_queries import statements
from tests.factories import portal_login
from tests.plugins.billing.statements_helpers import at, date_delivery, make, pay


def made_for(world, place_order, deliver, orders: int = 1) -> Statement:
    for _ in range(orders):
        order = deliver(place_order())
        date_delivery(order, at("2026-01-10 10:00"))
        pay(order, "1000.00", at("2026-01-20 15:00"), world.users["finance"])
    made, = make(world.company, at("2026-02-01 02:00"))
    return made


def test_the_customer_lists_their_statements_and_exports_them(app, world, place_order, deliver):
    statement = made_for(world, place_order, deliver)
    buyer = portal_login(app, world.users["customer"])
    page = buyer.get("/statements").get_data(as_text=True)
    assert statement.number in page and "1,316.50" in page
    assert buyer.get(f"/statements?q={statement.number}").get_data(as_text=True).count(statement.number) >= 1
    assert statement.number not in buyer.get("/statements?q=nothing-like-it").get_data(as_text=True)
    exported = buyer.get("/statements?format=csv")
    assert exported.status_code == 200 and statement.number in exported.get_data(as_text=True)


def test_the_customer_confirms_on_the_statement_page(app, world, place_order, deliver):
    statement = made_for(world, place_order, deliver)
    buyer = portal_login(app, world.users["customer"])
    page = buyer.get(f"/statements/{statement.id}").get_data(as_text=True)
    assert "Confirm this statement" in page and "Dispute the chosen lines" in page and "2,316.50" in page
    assert buyer.post(f"/statements/{statement.id}/confirm").status_code == 302
    page = buyer.get(f"/statements/{statement.id}").get_data(as_text=True)
    assert f"Statement {statement.number} is confirmed" in page and "Confirm this statement" not in page
    buyer.post(f"/statements/{statement.id}/confirm")
    assert "is confirmed already" in buyer.get(f"/statements/{statement.id}").get_data(as_text=True)


def test_the_customer_disputes_a_line_with_a_stamped_copy_and_finance_answers_it(app, world, place_order, deliver):
    statement = made_for(world, place_order, deliver)
    buyer = portal_login(app, world.users["customer"])
    buyer.post(f"/statements/{statement.id}/dispute", data={"line": "2", "reason-2": ""})
    assert "say why line 2 is wrong" in buyer.get(f"/statements/{statement.id}").get_data(as_text=True)
    buyer.post(f"/statements/{statement.id}/dispute", content_type="multipart/form-data", data={
        "line": "3", "reason-3": "付款应为 1,200.00", "attachment": (io.BytesIO(b"GIF89a"), "stamp.gif")})
    assert "not a PNG or JPEG image or a PDF" in buyer.get(f"/statements/{statement.id}").get_data(as_text=True)
    assert db.session.execute(select(StatementDispute)).first() is None  # nothing kept of a refused answer

    response = buyer.post(f"/statements/{statement.id}/dispute", content_type="multipart/form-data", data={
        "line": "3", "reason-3": "付款应为 1,200.00", "attachment": (io.BytesIO(b"%PDF-1.7 stamped"), "stamp.pdf")})
    assert response.status_code == 302
    db.session.expire_all()
    dispute = db.session.execute(select(StatementDispute)).scalar_one()
    assert dispute.reason == "付款应为 1,200.00" and dispute.line.line_no == 3
    assert db.session.execute(select(StatementAttachment)).scalar_one().content_type == "application/pdf"

    finance = portal_login(app, world.users["finance"])
    page = finance.get(f"/statements/{statement.id}").get_data(as_text=True)
    assert "Answer the dispute of line 3" in page and "stamp.pdf" in page
    assert finance.post(f"/statement-disputes/{dispute.id}/resolve", data={
        "resolution": "explanation", "answer": "银行回单显示到账 1,000.00"}).status_code == 302
    db.session.expire_all()
    dispute = db.session.get_one(StatementDispute, dispute.id)
    assert dispute.status == DisputeStatus.RESOLVED and dispute.resolution == Resolution.EXPLANATION
    assert db.session.get_one(Statement, statement.id).status == StatementStatus.ANSWERED
    answer, = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.kind == "statement_dispute_resolved")).scalars()
    assert "银行回单显示到账 1,000.00" in answer.body and answer.recipient == "c001@example.cn"
    assert "银行回单显示到账" in buyer.get(f"/statements/{statement.id}").get_data(as_text=True)


def test_the_statement_email_is_in_the_customers_language(world, place_order, deliver):
    world.customers[0].language = "zh_CN"
    commit()
    statement = made_for(world, place_order, deliver)
    mail, = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "statement_sent")).scalars()
    assert statement.number in mail.subject and "对账单" in mail.subject
    assert "期末余额" in mail.body and "1,316.50" in mail.body and world.company.code not in mail.body.split()


def test_a_reader_without_prices_sees_the_lines_but_no_amount(app, world, place_order, deliver):
    statement = made_for(world, place_order, deliver)
    role = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                 Role.name == "production")).scalar_one()
    role.grants.append(RolePermission(permission="billing.statement.view"))
    commit()
    reader = portal_login(app, world.users["production"])
    for url in ("/statements", f"/statements/{statement.id}", "/statements?format=csv"):
        text = reader.get(url).get_data(as_text=True)
        assert statement.number in text and "1,316.50" not in text and "2,316.50" not in text, url


def _page_cost(app, user, url: str) -> int:
    client = portal_login(app, user)
    client.get(url)  # warm: templates compiled, labels gathered
    with statements(db.engine) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_the_statement_page_costs_the_same_for_more_lines(app, world, place_order, deliver):
    few = made_for(world, place_order, deliver, orders=1)
    for _ in range(4):
        date_delivery(deliver(place_order(customer=1)), at("2026-01-10 10:00"))
    many = next(s for s in make(world.company, at("2026-03-01 02:00")) if s.customer_id == world.customers[1].id)
    finance = world.users["finance"]
    assert len(many.lines) == 8 and len(few.lines) == 3
    assert _page_cost(app, finance, f"/statements/{few.id}") == _page_cost(app, finance, f"/statements/{many.id}")


def test_finance_sets_the_statement_day_on_the_list_page(app, world):
    finance = portal_login(app, world.users["finance"])
    assert "day 31 of each month" in finance.get("/statements").get_data(as_text=True)
    finance.post("/statements/statement-day", data={"statement_day": "32"})
    assert "Statement day: " in finance.get("/statements").get_data(as_text=True)
    finance.post("/statements/statement-day", data={"statement_day": "25", "customer_id": str(world.customers[1].id)})
    page = finance.get("/statements").get_data(as_text=True)
    assert "The statement day is set." in page and "1 customers have their own day." in page
    finance.post("/statements/statement-day", data={"statement_day": "20"})
    assert "day 20 of each month" in finance.get("/statements").get_data(as_text=True)
    assert "Set the statement day" not in portal_login(app, world.users["sales"]).get("/statements").get_data(
        as_text=True)
