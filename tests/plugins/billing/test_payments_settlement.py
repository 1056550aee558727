"""Settlement by credit: a credit note that takes back what the payments left owing settles the order
through the core, and a delivered order completes."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OrderStatus, PaymentTerms
from core.modules import hooks_for_order
from plugins.billing.invoices import services as invoices
from plugins.billing.invoices.models import InvoiceStatus
from plugins.billing.payments import ledger
from plugins.billing.payments import services as payments
from tests.plugins.billing.conftest import fresh
from tests.plugins.billing.statements_helpers import at, date_delivery, make, pay
from tests.plugins.billing.test_invoices_credit_notes import TWENTY_VALVES, case_credit, lower_the_price


def _finance(world):
    return world.users["finance"]


def _credit(order, amount: str):
    hooks_for_order(order).credit_granted(order=order, credit=case_credit(order, amount, line=None))
    commit()
    return fresh(order.id)


def test_a_delivered_order_paid_eighty_percent_and_credited_the_rest_completes(world, place_order, deliver):
    order = deliver(place_order())  # 2,316.50
    payments.record_payment(order, amount="1853.20", actor=_finance(world))  # 80 %
    commit()
    assert fresh(order.id).status == OrderStatus.DELIVERED

    order = _credit(fresh(order.id), "463.30")

    assert order.status == OrderStatus.COMPLETED and order.paid_in_full_at is not None
    assert ledger.outstanding(order) == Decimal("0.00")
    assert invoices.invoice_for(order).status == InvoiceStatus.PAID
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.order_id == order.id)
                                 .order_by(AuditEntry.id)).scalars().all()
    assert actions[-2:] == ["settled", "complete"]


def test_a_delivered_order_credited_in_full_completes(world, place_order, deliver):
    order = deliver(place_order())
    order = _credit(order, "2316.50")
    assert order.status == OrderStatus.COMPLETED
    assert invoices.invoice_for(order).status == InvoiceStatus.PAID


def test_a_credit_leaving_something_owed_settles_nothing(world, place_order, deliver):
    order = deliver(place_order())
    payments.record_payment(order, amount="1000.00", actor=_finance(world))
    commit()
    order = _credit(fresh(order.id), "1316.49")
    assert (order.status, order.paid_in_full_at) == (OrderStatus.DELIVERED, None)
    assert ledger.outstanding(order) == Decimal("0.01")


def test_an_order_settled_by_credit_before_delivery_completes_when_signed_for(world, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT)  # invoiced on approval
    payments.record_payment(order, amount="2000.00", actor=_finance(world))
    commit()
    order = _credit(fresh(order.id), "316.50")
    assert order.status == OrderStatus.APPROVED and order.paid_in_full_at is not None
    assert deliver(order).status == OrderStatus.COMPLETED


def test_a_change_lowering_the_price_to_what_was_prepaid_settles_the_order(world, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES)  # 2,712.00
    payments.record_payment(order, amount="2260.00", actor=_finance(world))
    commit()
    assert fresh(order.id).paid_in_full_at is None

    order = lower_the_price(fresh(order.id))  # 2,260.00: what was prepaid

    assert order.paid_in_full_at is not None and ledger.outstanding(order) == Decimal("0.00")
    assert deliver(order).status == OrderStatus.COMPLETED


def test_a_change_raising_the_price_of_an_order_paid_in_full_makes_it_owe_the_difference(
        world, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES)  # 2,712.00
    payments.record_payment(order, amount="2712.00", actor=_finance(world))
    commit()
    assert fresh(order.id).paid_in_full_at is not None

    order = lower_the_price(fresh(order.id), "150.00")  # a raise: 20 x 150.00 + 13 % = 3,390.00

    assert order.total == Decimal("3390.00") and order.paid_in_full_at is None
    assert ledger.outstanding(order) == Decimal("678.00")
    assert deliver(order).status == OrderStatus.DELIVERED  # owing the raise, it does not complete
    payments.record_payment(fresh(order.id), amount="678.00", actor=_finance(world))
    commit()
    assert fresh(order.id).status == OrderStatus.COMPLETED


def test_reversing_a_payment_of_an_order_settled_by_credit_makes_it_owe_again(world, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT)
    payment = payments.record_payment(order, amount="2000.00", actor=_finance(world))
    commit()
    order = _credit(fresh(order.id), "316.50")
    assert order.paid_in_full_at is not None

    payments.reverse_payment(payment, reason="退票", actor=_finance(world))
    commit()

    order = fresh(order.id)
    assert order.paid_in_full_at is None and ledger.outstanding(order) == Decimal("2000.00")
    assert deliver(order).status == OrderStatus.DELIVERED


def test_a_statement_line_corrected_by_a_credit_clearing_the_balance_completes_the_order(
        api, world, place_order, deliver):
    order = deliver(place_order())
    date_delivery(order, at("2026-01-10 10:00"))
    pay(order, "2000.00", at("2026-01-20 15:00"), _finance(world))
    statement, = make(world.company, at("2026-02-01 02:00"))
    disputed = api("customer").post(f"/api/v1/statements/{statement.id}/dispute",
                                    json={"lines": [{"line_no": 2, "reason": "少收了折扣"}]})
    assert disputed.status_code == 201, disputed.get_json()
    dispute_id = disputed.get_json()["disputes"][0]["id"]

    answered = api("finance").post(f"/api/v1/statement-disputes/{dispute_id}/resolve", json={
        "resolution": "correction", "answer": "同意折扣", "amount": "316.50"})

    assert answered.status_code == 200, answered.get_json()
    assert fresh(order.id).status == OrderStatus.COMPLETED
