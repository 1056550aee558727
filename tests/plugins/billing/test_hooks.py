"""Billing's hooks (invoices on approval and delivery, the prepayment gate, the outbox, the inbox, the PDF),
and the paid and order_completed events its payments fire."""
from __future__ import annotations

import subprocess
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import or_, select

from core import outbox
from core.contracts import Credit
from core.db import commit
from core.documents import stored_document
from core.errors import NotFound
from core.extensions import db
from core.inbox import tasks_for
from core.models import (
    AuditEntry, Company, Order, OrderStatus, OutboxMessage, OutboxStatus, PaymentTerms, StoredDocument, utcnow,
)
from core.modules import hooks_for_order
from core.orders import actions
from plugins.billing import dates, hooks
from plugins.billing.collection import dunning
from plugins.billing.collection import hold as collection_hold
from plugins.billing.invoices import services as invoices
from plugins.billing.payments import ledger
from plugins.billing.payments import services as payments
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing.invoices.models import CreditNote, Invoice, InvoiceStatus
from plugins.billing.payments.models import BillingPayment, PaymentAllocation
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories, witness
from tests.clones import clone_order
from tests.flows import Flow
from tests.inbox_answers import answer, check_counts_agree
from tests.plugins.billing.conftest import fresh, invoice_number
from tests.plugins.billing.test_invoices_credit_notes import case_credit
from tests.plugins.billing.open_item_rows import falls_due, post_missing

SHANGHAI = ZoneInfo("Asia/Shanghai")


def gates(order):
    return [gate for contribution in hooks_for_order(order).execution_gates(order=order) for gate in contribution]


def test_a_prepayment_order_cannot_ship_until_the_prepayment_is_confirmed(world, api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    assert order.status == OrderStatus.APPROVED

    blocked, = [gate for gate in gates(order) if gate.blocked]
    assert blocked.name == "prepayment"
    assert blocked.reason == "waiting for the prepayment"  # no amount: logistics and production read it

    api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "1000.00"})
    assert [gate.name for gate in gates(fresh(order.id)) if gate.blocked] == ["prepayment"]

    response = api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "1316.50"})
    assert response.get_json()["is_prepayment"] is True and response.get_json()["fully_paid"] is True
    order = fresh(order.id)
    assert order.status == OrderStatus.APPROVED  # paid, but not yet delivered
    assert not [gate for gate in gates(order) if gate.blocked]
    entries = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "pay").order_by(AuditEntry.id)).scalars().all()
    assert [(e.after["is_prepayment"], e.after["fully_paid"]) for e in entries] == [(True, False), (True, True)]
    assert db.session.execute(select(Invoice)).scalar_one().status == InvoiceStatus.PAID


def test_a_prepaid_order_completes_when_it_is_signed_for(world, api, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT)
    api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "2316.50"})
    assert deliver(order).status == OrderStatus.COMPLETED


def test_orders_on_other_terms_are_not_held_back(place_order):
    order = place_order(PaymentTerms.CASH_ON_DELIVERY)
    assert not [gate for gate in gates(order) if gate.blocked]


def invoice_emails():
    # The customer also gets intake's order confirmation on submission: these are billing's.
    return select(OutboxMessage).where(OutboxMessage.kind == "invoice_issued")


def test_a_prepayment_order_is_invoiced_on_approval_and_the_customer_asked_to_pay(world, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    invoice = db.session.execute(select(Invoice)).scalar_one()
    assert invoice.order_id == order.id and invoice.status == InvoiceStatus.ISSUED
    assert invoice.due_date == invoice.issued_at.astimezone(SHANGHAI).date()
    message = db.session.execute(invoice_emails()).scalar_one()
    assert message.recipient == "c001@example.cn" and message.kind == "invoice_issued"
    assert "Please pay CN¥2,316.50 by" in message.body and "prepayment" in message.body


def test_the_customer_gets_an_invoice_email_in_the_outbox_on_delivery(world, place_order, deliver):
    order = place_order(PaymentTerms.CASH_ON_DELIVERY)
    assert db.session.execute(invoice_emails()).first() is None

    deliver(order)
    message = db.session.execute(invoice_emails()).scalar_one()
    assert message.recipient == world.customers[0].email
    assert message.status == OutboxStatus.PENDING
    assert message.kind == "invoice_issued" and message.order_id == order.id
    assert invoice_number(order) in message.subject
    assert "Total: CN¥2,316.50" in message.body
    # the invoice's PDF goes with it, rendered when the outbox sends (not in the delivery's transaction)
    assert [(a.document_kind, a.filename, a.stored_document_id) for a in outbox.attachments_of(message)] == [
        ("invoice", f"{invoice_number(order)}.pdf", None)]


def test_no_email_is_queued_for_a_customer_without_an_address(world, place_order, deliver):
    world.customers[1].email = None
    commit()
    deliver(place_order(customer=1))
    assert db.session.execute(select(Invoice)).scalar_one() is not None
    assert db.session.execute(invoice_emails()).first() is None


def test_a_monthly_order_falls_due_at_the_end_of_the_following_month(place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))
    invoice = db.session.execute(select(Invoice)).scalar_one()
    delivered = order.delivered_at.astimezone(SHANGHAI).date()
    assert invoice.due_date == dates.end_of_following_month(delivered)
    assert invoice.due_date.month == (delivered.month % 12) + 1


def test_cancelling_an_approved_prepayment_order_cancels_its_invoice(world, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    actions.cancel(order, actor=world.users["sales"], reason="the customer withdrew")
    commit()
    assert db.session.execute(select(Invoice)).scalar_one().status == InvoiceStatus.CANCELLED
    assert ledger.outstanding(fresh(order.id)) == 0


def test_finance_finds_prepayments_to_confirm_and_late_receivables_in_the_inbox(world, api, place_order, deliver):
    prepaid = place_order(PaymentTerms.PREPAYMENT)
    owing = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY, customer=1))
    settled = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))
    api("finance").post("/api/v1/payments", json={"order_id": settled.id, "amount": "2316.50"})
    waiting = place_order(PaymentTerms.MONTHLY)  # approved, nothing owed before delivery

    invoice = db.session.execute(select(Invoice).where(Invoice.order_id == owing.id)).scalar_one()
    falls_due(invoice, invoice.due_date - timedelta(days=3))
    commit()

    tasks = {task.order_number: task for task in tasks_for(world.users["finance"])
             if task.kind != "overdue_customer"}  # collection's tasks are per customer (test_collection_api)
    assert set(tasks) == {prepaid.number, owing.number}
    assert tasks[prepaid.number].kind == "prepayment" and "2,316.50 CNY" in tasks[prepaid.number].title
    late = tasks[owing.number]
    assert late.kind == "collect_payment"
    assert late.due_at == datetime.combine(invoice.due_date, time(23, 59, 59), tzinfo=SHANGHAI)
    assert late.is_late(utcnow()) and not tasks[prepaid.number].is_late(utcnow())
    assert late.url.endswith(f"/orders/{owing.id}")
    assert waiting.number not in tasks
    assert not [t for t in tasks_for(world.users["sales"]) if t.kind in {"prepayment", "collect_payment"}]

    listed = api("finance").get("/api/v1/tasks").get_json()["items"]
    assert {(t["order_number"], t["late"]) for t in listed} >= {(owing.number, True), (prepaid.number, False)}


def test_the_prepayment_holds_are_the_prepayment_gates_over_many_orders(app, world, api, place_order, deliver):
    """billing's ``execution_holds``: in SQL, the orders its gates block, and no other."""
    unpaid = place_order(PaymentTerms.PREPAYMENT)
    partly = place_order(PaymentTerms.PREPAYMENT)
    paid = place_order(PaymentTerms.PREPAYMENT)
    withdrawn = place_order(PaymentTerms.PREPAYMENT)
    on_delivery = place_order(PaymentTerms.CASH_ON_DELIVERY)
    api("finance").post("/api/v1/payments", json={"order_id": partly.id, "amount": "0.01"})
    api("finance").post("/api/v1/payments", json={"order_id": paid.id, "amount": "2316.50"})
    actions.cancel(withdrawn, actor=world.users["sales"], reason="the customer withdrew")
    commit()
    orders = [fresh(order.id) for order in (unpaid, partly, paid, withdrawn, on_delivery)]

    held = set(db.session.execute(select(Order.id).where(or_(*payments.prepayment_holds()))).scalars())

    assert held == {order.id for order in orders if any(gate.blocked for gate in gates(order))}
    assert held == {unpaid.id, partly.id}


def test_hook_inbox_count(app, world, api, place_order, deliver):
    """Prepayments to confirm and payments to collect, counted as listed, late once the invoice's due day has
    ended; 10 receivables or 1,000, the same statements."""
    prepaid = place_order(PaymentTerms.PREPAYMENT)
    owing = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY, customer=1))
    api("finance").post("/api/v1/payments", json={"order_id": owing.id, "amount": "16.50"})
    settled = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))
    api("finance").post("/api/v1/payments", json={"order_id": settled.id, "amount": "2316.50"})
    now = utcnow()
    today = now.astimezone(world.company.zone).date()
    # Every third invoice fell due yesterday; the others today (not late until its end) or later.
    falling_due = {"billing_invoice": lambda n, row: {**row, "due_date": today + timedelta(days=n % 3 - 1)}}
    finance = world.users["finance"].id

    def grow(copies: int) -> None:
        clone_order(prepaid.id, copies, [Invoice], vary=falling_due)
        clone_order(owing.id, copies, [Invoice, BillingPayment, PaymentAllocation], vary=falling_due)
        clone_order(settled.id, copies, [Invoice, BillingPayment, PaymentAllocation], vary=falling_due)
        post_missing(world.company.id, today)
        commit()

    grow(4)
    small = answer(app, hooks, finance, now)
    grow(495)
    large = answer(app, hooks, finance, now)

    # Collection's: the two customers with invoices past due, each a task, late.
    assert {kind: count.total for kind, count in small.counts.items()} == {
        "prepayment": 5, "collect_payment": 5, "overdue_customer": 2}
    assert {kind: (count.total, count.late) for kind, count in large.counts.items()} == {
        "prepayment": (500, 2 + 165), "collect_payment": (500, 2 + 165), "overdue_customer": (2, 2)}
    check_counts_agree(small, now)
    check_counts_agree(large, now)
    # The first page reads the receivables not invoiced yet only when the invoiced ones do not fill it: one
    # statement more for 10, none for 1,000.
    assert (small.count_statements, small.all_statements) == (large.count_statements, large.all_statements)
    assert large.list_statements == small.list_statements - 1, (small.costs, large.costs)
    assert "2,300.00 CNY" in next(task.title for task in large.tasks if task.kind == "collect_payment")
    # Sales does not record payments; they chase their own customers' overdue invoices.
    assert set(answer(app, hooks, world.users["sales"].id, now).counts) == {"overdue_customer"}


def test_the_invoice_pdf_embeds_a_cjk_font(world, place_order, deliver, tmp_path):
    order = place_order()
    with pytest.raises(NotFound, match="no invoice yet"):  # a cash-on-delivery order before delivery
        stored_document(order, "invoice", world.users["finance"])

    document = stored_document(deliver(order), "invoice", world.users["finance"])
    pdf, filename = document.content, document.filename
    assert filename == f"invoice-{order.number}.pdf"
    path = tmp_path / filename
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace("-", "")]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert invoice_number(order) in text and "2,316.50" in text and "上海华东机电有限公司" in text


def pdf_text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_payment_makes_a_new_version_of_the_invoice_and_the_one_sent_stays_as_it_was(
        world, api, place_order, deliver, tmp_path):
    order = deliver(place_order())
    finance = world.users["finance"]
    sent = stored_document(order, "invoice", finance)

    paid = api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "1000.00"})
    later = stored_document(fresh(order.id), "invoice", finance)
    sent_again = db.session.execute(select(StoredDocument).where(StoredDocument.version == sent.version)).scalar_one()

    assert paid.status_code == 201, paid.get_json()
    assert later.version != sent.version and later.content_hash != sent.content_hash
    assert sent_again.content == sent.content and sent_again.content_hash == sent.content_hash
    invoice = invoices.invoice_for(order)
    rows = db.session.execute(select(StoredDocument).where(StoredDocument.kind == "invoice")).scalars().all()
    assert {(row.entity, row.entity_id) for row in rows} == {("invoice", invoice.id)} and len(rows) == 2
    assert "2,316.50" in pdf_text(sent.content, tmp_path, "sent.pdf").split("Outstanding")[1]
    assert "1,316.50" in pdf_text(later.content, tmp_path, "later.pdf").split("Outstanding")[1]


def test_a_reversed_payment_and_a_case_credit_each_make_a_new_version_of_the_invoice(
        world, api, place_order, deliver, tmp_path):
    """The version reads the invoice's status and what was paid and credited of the order in one statement: each
    change of those is a new version, and the version before it stays stored as it was."""
    order = deliver(place_order())  # 2,316.50, invoiced on delivery
    finance = world.users["finance"]
    paid = api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "1000.00"})
    with_payment = stored_document(fresh(order.id), "invoice", finance)

    reversed_ = api("finance").post(f"/api/v1/payments/{paid.get_json()['id']}/reverse",
                                    json={"reason": "付款人错误"})
    without_payment = stored_document(fresh(order.id), "invoice", finance)
    order = fresh(order.id)
    hooks_for_order(order).credit_granted(order=order, credit=case_credit(order, "113.00"))
    commit()
    credited = stored_document(fresh(order.id), "invoice", finance)

    assert paid.status_code == 201 and reversed_.status_code == 200, (paid.get_json(), reversed_.get_json())
    assert len({with_payment.version, without_payment.version, credited.version}) == 3
    assert len({with_payment.etag, without_payment.etag, credited.etag}) == 3
    assert "1,316.50" in pdf_text(with_payment.content, tmp_path, "paid.pdf").split("Outstanding")[1]
    assert "2,316.50" in pdf_text(without_payment.content, tmp_path, "reversed.pdf").split("Outstanding")[1]
    assert "2,203.50" in pdf_text(credited.content, tmp_path, "credited.pdf").split("Outstanding")[1]
    assert stored_document(fresh(order.id), "invoice", finance).stored_id == credited.stored_id


def _pay(flow: Flow, order: dict, amount: str) -> dict:
    return flow.ok(flow.api["finance"].post("/api/v1/payments", json={"order_id": order["id"], "amount": amount}), 201)


def test_hook_paid(make_app):
    """Listeners get each confirmed payment: its amount, when it came, whether it was a prepayment and
    whether the order is now paid in full."""
    app = witness.watching(make_app, INTAKE, BILLING)  # review and logistics absent: the core stands in
    with app.app_context():
        flow = Flow(app, factories.build_world(app))
        prepaid = flow.submit(flow.create(payment_terms="prepayment"))  # 10 x 120.00 + 13 % = 1356.00
        prepayment = _pay(flow, prepaid, "1356.00")
        on_delivery = flow.submit(flow.create())
        flow.deliver(on_delivery, logistics=False)
        part = _pay(flow, on_delivery, "1000.00")

    [before_delivery] = witness.events(prepaid["id"], "paid")
    assert before_delivery.status == OrderStatus.APPROVED
    payment = before_delivery.payload["payment"]
    assert (payment.amount, payment.is_prepayment, payment.fully_paid) == (Decimal("1356.00"), True, True)
    assert payment.payment_id == prepayment["id"]
    assert payment.received_at == datetime.fromisoformat(prepayment["received_at"])
    assert payment.received_at.tzinfo is not None

    [partial] = witness.events(on_delivery["id"], "paid")
    assert partial.status == OrderStatus.DELIVERED
    payment = partial.payload["payment"]
    assert (payment.amount, payment.is_prepayment, payment.fully_paid) == (Decimal("1000.00"), False, False)
    assert payment.payment_id == part["id"]
    assert witness.events(on_delivery["id"], "order_completed") == []


def test_hook_payment_reversed(make_app):
    """Listeners hear each order a reversed payment had paid: what it had paid of it, when and why it was
    reversed, whether the order is still paid in full; the core has cleared ``paid_in_full_at`` by then."""
    app = witness.watching(make_app, INTAKE, BILLING)
    with app.app_context():
        flow = Flow(app, factories.build_world(app))
        prepaid = flow.submit(flow.create(payment_terms="prepayment"))  # 1356.00
        whole = _pay(flow, prepaid, "1356.00")
        on_delivery = flow.submit(flow.create())
        flow.deliver(on_delivery, logistics=False)
        _pay(flow, on_delivery, "1000.00")
        part = _pay(flow, on_delivery, "56.00")
        for payment, reason in ((whole, "银行退票"), (part, "录错金额")):
            flow.ok(flow.api["finance"].post(f"/api/v1/payments/{payment['id']}/reverse", json={"reason": reason}))
        still_prepaid = fresh(prepaid["id"])
        entries = db.session.execute(select(AuditEntry).where(
            AuditEntry.order_id == prepaid["id"], AuditEntry.action == "payment_reversed")).scalars().all()

    [event] = witness.events(prepaid["id"], "payment_reversed")
    reversal = event.payload["reversal"]
    assert event.status == OrderStatus.APPROVED  # the status stays
    assert (reversal.amount, reversal.fully_paid, reversal.reason, reversal.payment_id, reversal.method) == (
        Decimal("1356.00"), False, "银行退票", whole["id"], "bank_transfer")
    assert reversal.reversed_at.tzinfo is not None
    assert still_prepaid.paid_in_full_at is None
    # One audit entry, the core's, with the reason as its note.
    assert [(entry.entity, entry.note, entry.after["amount"]) for entry in entries] == [
        ("order", "银行退票", "1356.00")]

    [partial] = witness.events(on_delivery["id"], "payment_reversed")
    assert partial.status == OrderStatus.DELIVERED
    assert (partial.payload["reversal"].amount, partial.payload["reversal"].fully_paid) == (Decimal("56.00"), False)
    assert witness.events(on_delivery["id"], "order_completed") == []


def test_hook_order_settled(make_app):
    """Fired when a credit note takes back what the payments left owing: what was paid and credited, the
    credit note; a delivered order completes after it. No ``paid`` is fired for it: no money moved."""
    app = witness.watching(make_app, INTAKE, BILLING)
    with app.app_context():
        flow = Flow(app, factories.build_world(app))
        order = flow.submit(flow.create())  # 1356.00
        flow.deliver(order, logistics=False)
        _pay(flow, order, "1084.80")  # 80 %
        stored = fresh(order["id"])
        hooks_for_order(stored).credit_granted(order=stored, credit=Credit(
            amount=Decimal("271.20"), reason="破损", granted_at=utcnow(), case_id=1, case_number="CS-0001"))
        commit()
        number = db.session.execute(select(CreditNote.number)).scalar_one()

    [settled] = witness.events(order["id"], "order_settled")
    settlement = settled.payload["settlement"]
    assert settled.status == OrderStatus.DELIVERED
    assert (settlement.paid, settlement.credited, settlement.credit_note) == (
        Decimal("1084.80"), Decimal("271.20"), number)
    assert settlement.settled_at.tzinfo is not None
    assert [event.payload["payment"].amount for event in witness.events(order["id"], "paid")] == [Decimal("1084.80")]
    *_, last, completing = witness.events(order["id"])
    assert (last.hook, completing.hook, completing.status) == ("order_settled", "order_completed",
                                                               OrderStatus.COMPLETED)


def test_hook_order_completed(make_app):
    """Fired once, on the order in status completed, when it is both delivered and paid in full,
    whichever came last; without billing, on delivery."""
    app = witness.watching(make_app, INTAKE, BILLING)
    with app.app_context():
        flow = Flow(app, factories.build_world(app))
        settled_last = flow.submit(flow.create())
        flow.deliver(settled_last, logistics=False)
        _pay(flow, settled_last, "1000.00")
        _pay(flow, settled_last, "356.00")
        delivered_last = flow.submit(flow.create(payment_terms="prepayment"))
        _pay(flow, delivered_last, "1356.00")
        flow.deliver(delivered_last, logistics=False)
        unbilled = Flow(app, factories.build_world(app, "XYZ", modules={"billing": False}))
        free = unbilled.submit(unbilled.create())
        unbilled.deliver(free, logistics=False)

    for order, settling in ((settled_last, "paid"), (delivered_last, "delivered"), (free, "delivered")):
        [completed] = witness.events(order["id"], "order_completed")
        assert completed.status == OrderStatus.COMPLETED
        # The order completes after the listeners of the event that settled it have seen it delivered.
        *_, last, completing = witness.events(order["id"])
        assert (last.hook, last.status, completing.hook) == (settling, OrderStatus.DELIVERED, "order_completed")


def test_hook_customer_credit_hold(world, place_order):
    """A customer is on credit hold once dunning reaches the level that holds credit (or a manager decides it),
    until a manager releases it: the reason names the customer, without amounts."""
    order = place_order(PaymentTerms.PREPAYMENT)  # invoiced on approval
    invoice = db.session.execute(select(Invoice).where(Invoice.order_id == order.id)).scalar_one()
    hooks = hooks_for_order(order)
    assert hooks.customer_credit_hold(company=world.company, customer=world.customers[0]) is None

    falls_due(invoice, world.company.today() - timedelta(days=61))
    commit()
    for _ in range(4):  # one level per run: the fourth holds credit
        dunning.run_dunning(db.session.get_one(Company, world.company.id), utcnow())
        commit()

    reason = hooks.customer_credit_hold(company=world.company, customer=world.customers[0])
    assert reason == ("上海华东机电有限公司 is on credit hold: invoices remain unpaid past the last dunning "
                      "notice")
    assert hooks.customer_credit_hold(company=world.company, customer=world.customers[1]) is None
    collection_hold.release(world.customers[0], "付款计划已签", world.users["manager"])
    commit()
    assert hooks.customer_credit_hold(company=world.company, customer=world.customers[0]) is None


def test_a_paid_invoice_long_past_due_holds_nothing(world, api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    invoice = db.session.execute(select(Invoice).where(Invoice.order_id == order.id)).scalar_one()
    falls_due(invoice, world.company.today() - timedelta(days=90))
    commit()
    paid = api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": str(order.total),
                                                          "method": "bank_transfer"})
    assert paid.status_code == 201, paid.get_json()
    for _ in range(4):
        assert dunning.run_dunning(db.session.get_one(Company, world.company.id), utcnow()).notices == []
    commit()
    assert collection_hold.active_hold(world.customers[0].id) is None


def test_an_english_customers_invoice_and_its_email_are_english_when_a_chinese_clerk_delivers(
        app, world, place_order, deliver, tmp_path):
    world.customers[0].language = "en"
    world.company.legal_name, world.company.tax_id = "Acme Trading Co., Ltd.", "91310115MA1K4B2C3J"
    world.users["finance"].locale = "zh_CN"
    commit()
    with force_locale("zh_CN"):
        order = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))

    message = db.session.execute(invoice_emails()).scalar_one()
    assert message.subject.startswith(f"Invoice {invoice_number(order)}") and "Total: CN¥2,316.50" in message.body
    client = factories.portal_login(app, world.users["finance"])
    printed = pdf_text(client.get(f"/orders/{order.id}/documents/invoice").data, tmp_path, "invoice.pdf")
    assert "Invoice" in printed and "发票" not in printed
    assert "Amount before tax" in printed and "2,050.00" in printed and "CN¥2,316.50" in printed
    assert "Acme Trading Co., Ltd." in printed and "91310115MA1K4B2C3J" in printed
    for internal in ("ACME", "C001", "P001", "cash_on_delivery"):
        assert internal not in printed


def test_a_chinese_customers_invoice_email_is_chinese_whoever_delivers(world, place_order, deliver):
    world.customers[0].language = "zh_CN"
    commit()
    with force_locale("en"):
        deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))

    message = db.session.execute(invoice_emails()).scalar_one()
    assert "发票" in message.subject and "Invoice" not in message.subject
    assert "¥2,316.50" in message.body and "Total" not in message.body
