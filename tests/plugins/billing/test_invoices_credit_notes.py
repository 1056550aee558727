"""Credit notes: an approved change that moves what was invoiced credits the invoice and issues its next
version; money granted back on a problem case is a credit note; more than an invoice still bills is refused."""
from __future__ import annotations

import os
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.contracts import Credit, LineChange, OrderChange
from core.db import commit
from core.errors import ValidationError
from core.extensions import db
from core.models import AuditEntry, Order, OrderStatus, OutboxMessage, PaymentTerms, utcnow
from core.modules import hooks_for_order
from core.orders import events
from plugins.billing.invoices import credit_notes, services
from plugins.billing.invoices.models import CreditNote, CreditReason, Invoice, InvoiceStatus
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing.payments import ledger
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.logistics.manifest import MANIFEST as LOGISTICS
from tests import factories
from tests.concurrency import all_at_once
from tests.plugins.billing.conftest import fresh
from tests.plugins.logistics.orders import submitted_order
from tests.plugins.logistics.test_cases_api import _api, _cases, _refuse_seals

TWENTY_VALVES = [("20", "120.00", "0.13")]  # 2,400.00 + 312.00 tax = 2,712.00


def lower_the_price(order: Order, price: str = "100.00") -> Order:
    """An approved change: line 1 now costs ``price`` (review is off, so the core applies it at once)."""
    events.apply_change(order, OrderChange(None, order.revision + 1, lines=(
        LineChange(line_no=1, unit_price=Decimal(price)),), reason="客户议价"), actor=None)
    commit()
    return fresh(order.id)


def test_a_change_lowering_the_price_after_invoicing_credits_the_invoice_and_issues_a_new_version(
        api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES)  # invoiced on approval
    first = services.invoice_for(order)
    assert (first.total, first.version) == (Decimal("2712.00"), 1)

    order = lower_the_price(order)
    assert order.total == Decimal("2260.00")
    [credit_note] = credit_notes.credit_notes_of(order)
    assert (credit_note.reason, credit_note.invoice_id, credit_note.total) == (
        CreditReason.ORDER_CHANGED, first.id, Decimal("2712.00"))
    assert (credit_note.subtotal, credit_note.tax_total) == (Decimal("2400.00"), Decimal("312.00"))
    assert credit_note.number.startswith("CN") and credit_note.note == "客户议价"
    db.session.refresh(first)
    assert first.status == InvoiceStatus.CREDITED and first.total == Decimal("2712.00")  # never edited
    second = services.invoice_for(order)
    assert (second.version, second.replaces_id, second.status) == (2, first.id, InvoiceStatus.ISSUED)
    assert (second.subtotal, second.tax_total, second.total) == (
        Decimal("2000.00"), Decimal("260.00"), Decimal("2260.00"))
    assert [(line.unit_price, line.amount) for line in second.lines] == [(Decimal("100.00"), Decimal("2260.00"))]
    assert [(line.unit_price, line.amount) for line in first.lines] == [(Decimal("120.00"), Decimal("2712.00"))]
    # The receivable is the order's: what the invoices bill less what was credited.
    assert ledger.outstanding(order) == Decimal("2260.00")
    payments = api("finance").get(f"/api/v1/orders/{order.id}/payments").get_json()
    assert (payments["outstanding"], payments["invoice"]["number"]) == ("2260.00", second.number)

    shown = api("finance").get(f"/api/v1/invoices/{second.id}").get_json()
    assert [(v["version"], v["status"], v["total"]) for v in shown["versions"]] == [
        (1, "credited", "2712.00"), (2, "issued", "2260.00")]
    assert [(c["number"], c["reason"], c["total"]) for c in shown["credit_notes"]] == [
        (credit_note.number, "order_changed", "2712.00")]
    listed = api("finance").get(f"/api/v1/invoices?order_id={order.id}").get_json()["items"]
    assert [(row["number"], row["outstanding"]) for row in listed] == [(second.number, "2260.00"),
                                                                       (first.number, "0.00")]


def test_the_pdf_of_the_old_version_stays_as_it_was_sent(api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES)
    first = services.invoice_for(order)
    sent = api("finance").get(f"/api/v1/invoices/{first.id}/document")
    assert sent.status_code == 200 and sent.mimetype == "application/pdf"

    order = lower_the_price(order)
    again = api("finance").get(f"/api/v1/invoices/{first.id}/document")
    assert again.status_code == 200 and again.data == sent.data and again.headers["ETag"] == sent.headers["ETag"]
    second = services.invoice_for(order)
    new = api("finance").get(f"/api/v1/invoices/{second.id}/document")
    assert new.status_code == 200 and new.data != sent.data
    [credit_note] = credit_notes.credit_notes_of(order)
    printed = api("finance").get(f"/api/v1/credit-notes/{credit_note.id}/document")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"


def test_a_change_that_leaves_the_billed_lines_as_they_were_credits_nothing(place_order):
    order = place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES)
    events.apply_change(order, OrderChange(None, 2, requested_date=order.requested_date.replace(day=1)),
                        actor=None)
    commit()
    assert credit_notes.credit_notes_of(order) == []
    assert services.invoice_for(order).version == 1


def test_a_change_before_the_order_is_invoiced_credits_nothing(place_order):
    order = place_order(PaymentTerms.CASH_ON_DELIVERY, lines=TWENTY_VALVES)  # invoiced only on delivery
    order = lower_the_price(order)
    assert services.invoice_for(order) is None and credit_notes.credit_notes_of(order) == []


def case_credit(order: Order, amount: str, *, line: int | None = 1, case: int = 1) -> Credit:
    line_id = next(each.id for each in order.lines if each.line_no == line) if line else None
    return Credit(amount=Decimal(amount), reason="破损", granted_at=utcnow(), case_id=case,
                  case_number=f"CS-{case:04d}", order_line_id=line_id)


def test_money_granted_back_on_a_case_is_a_credit_note_split_at_the_lines_rate(place_order, deliver):
    order = deliver(place_order())  # 2,316.50, invoiced on delivery
    invoice = services.invoice_for(order)
    hooks_for_order(order).credit_granted(order=order, credit=case_credit(order, "113.00"))
    commit()

    [note] = credit_notes.credit_notes_of(order)
    assert (note.reason, note.invoice_id, note.case_number) == (CreditReason.CASE_CREDIT, invoice.id, "CS-0001")
    # 113.00 ÷ 1.13 = 100.00 before tax, 13.00 tax.
    assert (note.subtotal, note.tax_total, note.total) == (Decimal("100.00"), Decimal("13.00"), Decimal("113.00"))
    assert ledger.outstanding(fresh(order.id)) == Decimal("2203.50")
    assert services.invoice_for(order).status == InvoiceStatus.ISSUED  # the invoice itself is not edited


def test_a_credit_of_the_whole_order_splits_as_the_invoice_does(place_order, deliver):
    order = deliver(place_order())  # 2,050.00 + 266.50
    note = credit_notes.credit_case(order, case_credit(order, "231.65", line=None))
    # 231.65 × 2,050.00 / 2,316.50 = 205.00 before tax, 26.65 tax.
    assert (note.subtotal, note.tax_total) == (Decimal("205.00"), Decimal("26.65"))


def test_a_credit_larger_than_what_it_credits_is_refused_naming_the_amount(place_order, deliver):
    order = deliver(place_order())  # line 1: 1,356.00 incl. tax; the invoice 2,316.50
    credit_notes.credit_case(order, case_credit(order, "1000.00"))
    commit()
    with pytest.raises(ValidationError) as on_the_line:
        credit_notes.credit_case(order, case_credit(order, "356.01", case=2))
    assert on_the_line.value.field == "amount"
    with pytest.raises(ValidationError) as on_the_invoice:
        credit_notes.credit_case(order, case_credit(order, "1316.51", line=None, case=3))
    assert on_the_invoice.value.field == "amount"
    db.session.rollback()
    assert len(credit_notes.credit_notes_of(order)) == 1
    assert credit_notes.credit_case(order, case_credit(order, "356.00", case=4)).total == Decimal("356.00")


def test_a_refused_line_resolved_with_money_back_gets_a_credit_note_and_the_receivable_follows(make_app):
    app = make_app(plugins=[INTAKE, LOGISTICS, BILLING])
    with app.app_context():
        world = factories.build_world(app)
        order = submitted_order(world)  # cash on delivery: valves 1,356.00 + seals 1,921.00 = 3,277.00
        _refuse_seals(app, world, order)
        reserved, refused = _cases(app, world, order)
        manager = _api(app, world, "manager")
        resolved = manager.post(f"/api/v1/cases/{refused['id']}/resolve", json={
            "resolution": "credit", "amount": "19.21", "note": "破损"})  # two seals at 8.50 + 13 %
        assert resolved.status_code == 200, resolved.get_json()
        order = fresh(order.id)
        [note] = credit_notes.credit_notes_of(order)
        assert (note.case_number, note.total, note.subtotal, note.tax_total) == (
            refused["number"], Decimal("19.21"), Decimal("17.00"), Decimal("2.21"))
        # The refusal settled, the order is delivered and invoiced for its total; the credit note stands against it.
        assert order.status == OrderStatus.DELIVERED
        assert services.invoice_for(order).total == Decimal("3277.00")
        assert ledger.outstanding(order) == Decimal("3257.79")
        assert db.session.execute(select(AuditEntry).where(
            AuditEntry.order_id == order.id, AuditEntry.action == "credit_note_issued")).scalar_one()

        # The valves' line was credited 1,000.00 before; 400.00 more is within the line for logistics but more
        # than the invoice still bills of it: refused naming the amount, and the case stays open.
        credit_notes.credit_case(order, case_credit(order, "1000.00", case=99))
        commit()
        too_much = manager.post(f"/api/v1/cases/{reserved['id']}/resolve", json={
            "resolution": "credit", "amount": "400.00", "note": "外箱压痕"})
        assert too_much.status_code == 400 and too_much.get_json()["errors"][0]["field"] == "amount"
        assert next(case for case in _cases(app, world, order) if case["id"] == reserved["id"])["status"] == "open"
        assert len(credit_notes.credit_notes_of(order)) == 2


def test_the_customer_is_sent_the_credit_note_in_their_language(world, place_order, deliver):
    order = deliver(place_order(customer=0))
    credit_notes.credit_case(order, case_credit(order, "113.00"))
    commit()
    message = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "credit_note_issued")).scalar_one()
    note = credit_notes.credit_notes_of(order)[0]
    assert message.recipient == world.customers[0].email and note.number in message.subject
    assert "113.00" in message.body


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_twenty_credit_notes_issued_at_once_are_numbered_without_gap_or_duplicate(app, world, place_order, deliver):
    order_ids = [deliver(place_order()).id for _ in range(20)]
    failures = all_at_once(app, lambda order_id: credit_notes.credit_case(
        db.session.get(Order, order_id), case_credit(db.session.get(Order, order_id), "10.00", case=order_id)),
        order_ids)
    assert failures == []
    numbers = sorted(db.session.execute(select(CreditNote.number)).scalars())
    year = utcnow().astimezone(world.company.zone).year
    assert numbers == [f"CN{year}-{n:06d}" for n in range(1, 21)]


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_twenty_invoices_issued_at_once_are_numbered_without_gap_or_duplicate(app, world, place_order):
    order_ids = [place_order().id for _ in range(20)]  # approved, invoiced on delivery: not yet
    failures = all_at_once(app, lambda order_id: services.issue_invoice(db.session.get(Order, order_id)), order_ids)
    assert failures == []
    numbers = sorted(db.session.execute(select(Invoice.number)).scalars())
    year = utcnow().astimezone(world.company.zone).year
    assert numbers == [f"INV{year}-{n:06d}" for n in range(1, 21)]
