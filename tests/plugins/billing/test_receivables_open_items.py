"""Open items: each change of what an invoice owes posted as a dated row, summing to its balance; the
migration's back-fill and ``ordo billing open-items check``."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, insert, select, text

from core.db import commit
from core.extensions import db
from core.models import PaymentTerms
from core.modules import hooks_for_order
from core.orders import actions
from plugins.billing.receivables import open_items
from plugins.billing.receivables.models import EntryKind, OpenItemEntry
from plugins.billing.invoices.models import Invoice
from plugins.billing.invoices.services import balances
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing.payments import services as payments
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories
from tests.core.test_migrations import empty_database_url  # noqa: F401 - the fixture
from tests.plugins.billing.test_invoices_credit_notes import TWENTY_VALVES, case_credit, lower_the_price
from tests.plugins.logistics.orders import submitted_order


def rows_of(invoice_id: int) -> list[tuple[EntryKind, Decimal]]:
    return [(row.kind, row.amount) for row in db.session.execute(
        select(OpenItemEntry).where(OpenItemEntry.invoice_id == invoice_id).order_by(OpenItemEntry.id)).scalars()]


def invoice_of(order) -> Invoice:
    return db.session.execute(select(Invoice).where(Invoice.order_id == order.id)
                              .order_by(Invoice.version.desc()).limit(1)).scalar_one()


def test_an_invoice_its_payment_and_the_payments_reversal_are_each_a_row(world, api, place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))
    invoice = invoice_of(order)
    paid = api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "500.00"})
    assert paid.status_code == 201, paid.get_json()
    reversed_ = api("finance").post(f"/api/v1/payments/{paid.get_json()['id']}/reverse",
                                    json={"reason": "现金未到账"})
    assert reversed_.status_code == 200, reversed_.get_json()

    assert rows_of(invoice.id) == [(EntryKind.ISSUED, Decimal("2316.50")), (EntryKind.PAYMENT, Decimal("-500.00")),
                                   (EntryKind.REVERSAL, Decimal("500.00"))]
    [row] = db.session.execute(select(OpenItemEntry).where(OpenItemEntry.kind == EntryKind.ISSUED)).scalars()
    assert (row.customer_id, row.salesperson_id, row.due_date, row.posted_on, row.currency) == (
        world.customers[0].id, world.users["sales"].id, invoice.due_date, world.company.today(), "CNY")
    assert open_items.open_sums([invoice.id]) == {invoice.id: balances([invoice], world.company.today())[0].outstanding}


def settled_on(invoice_id: int) -> set:
    return set(db.session.execute(select(OpenItemEntry.settled_on).where(OpenItemEntry.invoice_id == invoice_id))
               .scalars())


def test_paying_in_full_marks_every_row_settled_and_the_reversal_reopens_it(world, api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)  # invoiced on approval; not delivered, so never completed
    invoice = invoice_of(order)
    today = world.company.today()
    part = api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "500.00"})
    assert settled_on(invoice.id) == {None}

    rest = api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "1816.50"})
    assert rest.status_code == 201, rest.get_json()
    assert settled_on(invoice.id) == {today}  # all three rows

    reversed_ = api("finance").post(f"/api/v1/payments/{part.get_json()['id']}/reverse", json={"reason": "现金未到账"})
    assert reversed_.status_code == 200, reversed_.get_json()
    assert settled_on(invoice.id) == {None}  # owes 500.00 again, on all four rows
    assert open_items.settled_differences(world.company.id) == []


def test_ageing_as_of_a_day_skips_invoices_settled_by_then_and_keeps_those_settled_after(world, api, place_order,
                                                                                          deliver):
    from datetime import timedelta

    from plugins.billing.receivables.open_items import open_invoices

    order = deliver(place_order(PaymentTerms.MONTHLY))
    invoice = invoice_of(order)
    today = world.company.today()
    api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "2316.50"})
    yesterday = today - timedelta(days=1)
    db.session.execute(text("UPDATE billing_open_item SET posted_on = :day, settled_on = :settled "
                            "WHERE invoice_id = :invoice AND kind = 'issued'"),
                       {"day": yesterday, "settled": today, "invoice": invoice.id})

    def owing(as_of):
        found = open_invoices(world.company.id, as_of=as_of)
        return [(row.invoice_id, row.open) for row in db.session.execute(select(found))]

    assert owing(yesterday) == [(invoice.id, Decimal("2316.50"))]  # settled after: still read
    assert owing(today) == [] and owing(None) == []
    db.session.rollback()


def test_a_change_closes_the_old_version_and_a_case_credit_lowers_the_new_one(api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES)  # 2,712.00, invoiced on approval
    first = invoice_of(order)
    api("finance").post("/api/v1/payments", json={"order_id": order.id, "amount": "712.00"})
    order = lower_the_price(order)  # 2,260.00: version 2, what was paid filed under it
    second = invoice_of(order)
    hooks_for_order(order).credit_granted(order=order, credit=case_credit(order, "113.00"))
    commit()

    assert rows_of(first.id) == [(EntryKind.ISSUED, Decimal("2712.00")), (EntryKind.PAYMENT, Decimal("-712.00")),
                                 (EntryKind.CLOSED, Decimal("-2000.00"))]
    assert rows_of(second.id) == [(EntryKind.ISSUED, Decimal("1548.00")),  # 2,260.00 less the 712.00 paid
                                  (EntryKind.CREDIT_NOTE, Decimal("-113.00"))]
    assert open_items.open_sums([first.id, second.id]) == {first.id: Decimal("0.00"), second.id: Decimal("1435.00")}


def test_open_items_check_says_they_add_up_and_names_an_invoice_that_does_not(app, world, place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))
    invoice = invoice_of(order)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["billing", "open-items", "check"])
    assert result.exit_code == 0 and "add up" in result.output, result.output

    db.session.execute(insert(OpenItemEntry), [{
        "company_id": world.company.id, "customer_id": order.customer_id, "salesperson_id": None,
        "order_id": order.id, "invoice_id": invoice.id, "currency": "CNY", "due_date": invoice.due_date,
        "posted_on": world.company.today(), "kind": EntryKind.PAYMENT, "amount": Decimal("-1.00")}])
    commit()
    result = runner.invoke(args=["billing", "open-items", "check"])
    assert result.exit_code == 1
    assert f"ACME: invoice {invoice.id}: open items 2315.50, balance 2316.50" in result.output
    db.session.execute(text("DELETE FROM billing_open_item WHERE amount = -1"))
    db.session.execute(text("UPDATE billing_open_item SET settled_on = :day WHERE invoice_id = :invoice"),
                       {"day": world.company.today(), "invoice": invoice.id})
    commit()
    result = runner.invoke(args=["billing", "open-items", "check"])
    assert result.exit_code == 1
    assert f"ACME: invoice {invoice.id}: settled on {world.company.today()}, its rows say -" in result.output
    db.session.execute(text("UPDATE billing_open_item SET settled_on = NULL"))
    commit()


def test_billing_0007_back_fills_the_open_items_of_invoices_issued_before_it(make_app, empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url}, plugins=[INTAKE, BILLING])
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        world = factories.build_world(app)
        owing = submitted_order(world)  # approved at once, review being off
        paid = submitted_order(world)
        for order in (owing, paid):
            actions.mark_delivered(order, actor=world.users["logistics"], signed_by="王经理")
        commit()
        payments.record_payment(owing, amount="100.00", actor=world.users["finance"])
        wrong = payments.record_payment(owing, amount="50.00", actor=world.users["finance"])
        payments.reverse_payment(wrong, reason="重复录入", actor=world.users["finance"])
        payments.record_payment(paid, amount=str(paid.total), actor=world.users["finance"])
        commit()
        posted = {row.invoice_id: row.amount for row in db.session.execute(
            select(OpenItemEntry.invoice_id, func.sum(OpenItemEntry.amount).label("amount"))
            .group_by(OpenItemEntry.invoice_id))}
        company_id, owed_total = world.company.id, owing.total
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "billing_0006"])
        assert result.exit_code == 0, result.output

        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output

        kinds = db.session.execute(text(
            "SELECT kind, amount FROM billing_open_item WHERE invoice_id = :invoice ORDER BY id"),
            {"invoice": min(posted)}).all()
        assert [(kind, Decimal(str(amount))) for kind, amount in kinds] == [
            ("issued", owed_total), ("payment", Decimal("-100.00")), ("payment", Decimal("-50.00")),
            ("reversal", Decimal("50.00"))]
        assert open_items.open_sums(posted) == {
            invoice_id: amount.quantize(Decimal("0.01")) for invoice_id, amount in posted.items()}
        assert open_items.differences(company_id) == []
        db.session.remove()
        db.engine.dispose()


def test_billing_0009_marks_the_invoices_paid_before_it_settled_on_their_last_rows_day(make_app,
                                                                                      empty_database_url):  # noqa: F811
    app = make_app({"SQLALCHEMY_DATABASE_URI": empty_database_url}, plugins=[INTAKE, BILLING])
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        world = factories.build_world(app)
        owing = submitted_order(world)  # approved at once, review being off
        paid = submitted_order(world)
        for order in (owing, paid):
            actions.mark_delivered(order, actor=world.users["logistics"], signed_by="王经理")
        commit()
        payments.record_payment(owing, amount="100.00", actor=world.users["finance"])
        payments.record_payment(paid, amount=str(paid.total), actor=world.users["finance"])
        commit()
        owing_invoice, paid_invoice = invoice_of(owing).id, invoice_of(paid).id
        company_id, today = world.company.id, world.company.today()
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "billing_0008"])
        assert result.exit_code == 0, result.output

        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output

        assert settled_on(owing_invoice) == {None}
        assert settled_on(paid_invoice) == {today}
        assert open_items.settled_differences(company_id) == []
        db.session.remove()
        db.engine.dispose()
