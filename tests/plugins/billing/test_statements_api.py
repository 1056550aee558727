"""Statements' API and answers: a statement confirmed, one disputed and answered, bad input refused naming the
field with nothing changed, the disputes in the inbox of sales and finance, the PDF, amounts hidden without prices."""
from __future__ import annotations

import io
import subprocess
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import Order, OutboxMessage, Role, RolePermission
from plugins.billing import hooks
from plugins.billing.invoices.models import CreditNote
from plugins.billing.statements import services
from plugins.billing.statements.models import LineKind, Statement, StatementDocument, StatementDispute, StatementStatus
from tests.inbox_answers import answer, check_counts_agree
from tests.plugins.billing.statements_helpers import at, date_credit_notes, date_delivery, make, pay, statements_of


def january(world, place_order, deliver) -> Statement:
    order = deliver(place_order())
    date_delivery(order, at("2026-01-10 10:00"))
    pay(order, "1000.00", at("2026-01-20 15:00"), world.users["finance"])
    made, = make(world.company, at("2026-02-01 02:00"))
    return made


def problem(response, status: int) -> str:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert response.mimetype == "application/problem+json", response.mimetype
    return body.get("field") or ",".join(error["field"] for error in body.get("errors", []))


def test_the_customer_confirms_a_statement_and_it_is_frozen(api, world, place_order, deliver):
    statement = january(world, place_order, deliver)
    listed = api("customer").get("/api/v1/statements").get_json()
    assert [item["number"] for item in listed["items"]] == [statement.number]
    assert listed["items"][0]["closing_balance"] == "1316.50"
    shown = api("customer").get(f"/api/v1/statements/{statement.id}").get_json()
    assert [line["kind"] for line in shown["lines"]] == ["delivery", "invoice", "payment"]

    confirmed = api("customer").post(f"/api/v1/statements/{statement.id}/confirm")
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "confirmed"
    assert problem(api("customer").post(f"/api/v1/statements/{statement.id}/confirm"), 409) == "status"
    refused = api("customer").post(f"/api/v1/statements/{statement.id}/dispute",
                                   json={"lines": [{"line_no": 2, "reason": "价格不对"}]})
    assert problem(refused, 409) == "lines"
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).status == StatementStatus.CONFIRMED
    assert db.session.execute(select(func.count(StatementDispute.id))).scalar_one() == 0

    # A payment recorded later, dated in January, goes to the next statement: the confirmed one stays.
    order = db.session.get_one(Order, db.session.get_one(Statement, statement.id).lines[1].order_id)
    pay(order, "316.50", at("2026-01-31 10:00"), world.users["finance"])
    february, = make(world.company, at("2026-03-01 02:00"))
    assert february.opening_balance == Decimal("1316.50") and february.closing_balance == Decimal("1000.00")
    assert [line.kind for line in statements_of(world.customers[0].id)[0].lines] == [
        LineKind.DELIVERY, LineKind.INVOICE, LineKind.PAYMENT]



def test_bad_answers_are_refused_naming_the_field_and_change_nothing(api, world, place_order, deliver):
    statement = january(world, place_order, deliver)
    url = f"/api/v1/statements/{statement.id}/dispute"
    customer = api("customer")
    assert problem(customer.post(url, json={"lines": [{"line_no": 9, "reason": "没有这笔"}]}), 400) == \
        "lines[0].line_no"
    assert problem(customer.post(url, json={"lines": [{"line_no": 2, "reason": ""}]}), 400) == "lines[0].reason"
    assert problem(customer.post(url, json={"lines": [{"line_no": 2, "reason": "   "}]}), 400) == "lines[0].reason"
    assert problem(customer.post(url, json={"lines": [{"line_no": 2, "reason": "价格"},
                                                      {"line_no": 2, "reason": "again"}]}), 400) == \
        "lines[1].line_no"
    assert problem(customer.post(url, json={"lines": []}), 400) == "lines"
    db.session.expire_all()
    assert db.session.get(Statement, statement.id).status == StatementStatus.SENT
    assert db.session.execute(select(func.count(StatementDispute.id))).scalar_one() == 0
    # Staff do not answer for the customer; another customer does not see it.
    assert api("production").get(f"/api/v1/statements/{statement.id}").status_code == 403


def test_a_disputed_line_is_answered_with_a_credit_note_that_goes_on_the_next_statement(
        api, world, place_order, deliver):
    statement = january(world, place_order, deliver)
    disputed = api("customer").post(f"/api/v1/statements/{statement.id}/dispute",
                                    json={"lines": [{"line_no": 2, "reason": "密封圈单价应为 8.00"}]})
    assert disputed.status_code == 201, disputed.get_json()
    body = disputed.get_json()
    assert body["status"] == "disputed" and [(row["line_no"], row["status"]) for row in body["disputes"]] == [
        (2, "open")]
    assert problem(api("customer").post(f"/api/v1/statements/{statement.id}/confirm"), 409) == "status"

    dispute_id = body["disputes"][0]["id"]
    resolve = f"/api/v1/statement-disputes/{dispute_id}/resolve"
    assert problem(api("finance").post(resolve, json={"resolution": "correction", "answer": "同意, 开具红字"}),
                   400) == "amount"
    assert problem(api("finance").post(resolve, json={"resolution": "explanation", "answer": "  "}), 400) == "answer"
    assert api("customer").post(resolve, json={"resolution": "explanation", "answer": "x"}).status_code == 403
    answered = api("finance").post(resolve, json={"resolution": "correction", "answer": "同意, 已开具贷项通知单",
                                                  "amount": "56.50"})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["status"] == "resolved" and answered.get_json()["credit_note_id"]
    assert problem(api("finance").post(resolve, json={"resolution": "explanation", "answer": "x"}), 409) == "dispute"
    credit_note = db.session.execute(select(CreditNote)).scalar_one()
    assert credit_note.total == Decimal("56.50") and credit_note.case_number == f"{statement.number}/2"

    shown = api("customer").get(f"/api/v1/statements/{statement.id}").get_json()
    assert shown["status"] == "answered" and shown["disputes"][0]["answer"] == "同意, 已开具贷项通知单"
    assert shown["closing_balance"] == "1316.50"  # the statement as sent: the correction is a new entry
    assert api("customer").post(f"/api/v1/statements/{statement.id}/confirm").get_json()["status"] == "confirmed"

    date_credit_notes(db.session.get_one(Order, credit_note.order_id), at("2026-02-05 10:00"))
    february, = make(world.company, at("2026-03-01 02:00"))
    assert february.opening_balance == Decimal("1316.50")
    assert [(line.kind, line.effect) for line in february.lines] == [(LineKind.CREDIT_NOTE, Decimal("-56.50"))]
    assert february.closing_balance == Decimal("1260.00")
    mails = [message.kind for message in db.session.execute(select(OutboxMessage)).scalars()]
    assert "statement_dispute_resolved" in mails


def test_disputes_wait_in_the_inbox_of_sales_and_finance_counted_in_one_query(app, api, world, place_order, deliver):
    now = datetime.now(timezone.utc)
    few = _disputed_lines(world, place_order, deliver, orders=2, customer=0)
    counted_few = answer(app, hooks, world.users["finance"].id, now)
    check_counts_agree(counted_few, now)
    assert counted_few.counts["statement_dispute"].total == few
    _disputed_lines(world, place_order, deliver, orders=12, customer=1)
    counted_many = answer(app, hooks, world.users["finance"].id, now + timedelta(days=4))
    check_counts_agree(counted_many, now + timedelta(days=4))
    assert counted_many.counts["statement_dispute"].total > few
    assert counted_many.counts["statement_dispute"].late == counted_many.counts["statement_dispute"].total
    assert counted_many.costs == counted_few.costs
    assert answer(app, hooks, world.users["sales"].id, now).counts["statement_dispute"].total == \
        counted_many.counts["statement_dispute"].total
    assert "statement_dispute" not in answer(app, hooks, world.users["production"].id, now).counts


def _disputed_lines(world, place_order, deliver, *, orders: int, customer: int) -> int:
    for _ in range(orders):
        date_delivery(deliver(place_order(customer=customer)), at("2026-01-10 10:00"))
    made = {statement.customer_id: statement for statement in make(world.company, at("2026-02-01 02:00"))}
    statement = made[world.customers[customer].id]
    actor = world.users["customer"] if customer == 0 else world.users["administrator"]
    services.dispute(statement, actor, [{"line_no": line.line_no, "reason": "不对"} for line in statement.lines])
    commit()
    return len(statement.lines)


def test_the_statement_pdf_is_in_the_customers_language_with_a_cjk_font_stored_once(
        api, world, place_order, deliver, tmp_path):
    world.customers[0].language = "zh_CN"
    commit()
    statement = january(world, place_order, deliver)
    first = api("finance").get(f"/api/v1/statements/{statement.id}/document")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    again = api("customer").get(f"/api/v1/statements/{statement.id}/document")
    assert again.headers["ETag"] == first.headers["ETag"]
    assert db.session.execute(select(func.count(StatementDocument.id))).scalar_one() == 1  # rendered once, stored
    path = tmp_path / "statement.pdf"
    path.write_bytes(first.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace("-", "") and " yes " in line]
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "对账单" in text and statement.number in text and "1,316.50" in text
    assert world.company.code not in text.split()


def test_amounts_are_hidden_from_a_reader_without_prices(api, world, place_order, deliver):
    statement = january(world, place_order, deliver)
    role = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                 Role.name == "production")).scalar_one()
    role.grants.append(RolePermission(permission="billing.statement.view"))
    commit()
    shown = api("production").get(f"/api/v1/statements/{statement.id}").get_json()
    assert shown["closing_balance"] is None and shown["lines"][1]["amount"] is None
    page = api("production").get(f"/api/v1/statements/{statement.id}/document")
    assert page.status_code == 200 and b"1,316.50" not in page.data


def test_a_stamped_copy_is_a_png_jpeg_or_pdf_read_from_its_content(api, world, place_order, deliver):
    statement = january(world, place_order, deliver)
    url = f"/api/v1/statements/{statement.id}/attachments"
    client = api("customer")
    refused = client.client.post(url, headers=client.headers, content_type="multipart/form-data",
                                 data={"file": (io.BytesIO(b"MZ not an image"), "stamp.png")})
    assert problem(refused, 400) == "file"
    taken = client.client.post(url, headers=client.headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(b"%PDF-1.7 stamped"), "stamp.pdf")})
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["content_type"] == "application/pdf"
