"""Payments' services: amounts kept to the cent, concurrent payments, reversal, the prepayment's share, and
each settlement mode from approval to completed through payments."""
from __future__ import annotations

import os
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, or_, select

from core.contracts import Credit
from core.db import commit
from core.errors import Conflict, OrdoError, ValidationError
from core.extensions import db
from core.models import AuditEntry, Customer, Order, OrderStatus, PaymentTerms, User, utcnow
from core.orders import events
from plugins.billing import hooks
from plugins.billing.invoices.models import InvoiceStatus
from plugins.billing.invoices.services import invoice_for
from plugins.billing.payments import allocations, ledger, services
from plugins.billing.payments.models import BillingPayment, PaymentAllocation
from tests.plugins.billing.conftest import fresh


@pytest.mark.parametrize(("given", "kept"), [("1250", "1250.00"), ("1250.5", "1250.50"), (" 0.01 ", "0.01"),
                                             ("1.500", "1.50")])
def test_an_amount_is_kept_to_the_cent(given, kept):
    assert services._valid_amount(given) == Decimal(kept)


@pytest.mark.parametrize("given", ["", "abc", "0", "-1", "0.001", "Infinity", "1e15", None])
def test_an_unusable_amount_names_the_field(given):
    with pytest.raises(ValidationError) as raised:
        services._valid_amount(given)
    assert raised.value.field == "amount"


def _two_clerks_at_once(app, book) -> list[str]:
    """Two finance clerks in their own sessions, released together once both have loaded what they book on:
    ``book()`` each, committed; what happened to each ("recorded", or the field an error names)."""
    both_loaded = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk() -> None:
        with app.app_context():
            record = book()
            both_loaded.wait(timeout=10)
            try:
                record()
                commit()
                outcomes.append("recorded")
            except OrdoError as error:
                db.session.rollback()
                outcomes.append(error.field or type(error).__name__)
            finally:
                db.session.remove()

    clerks = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in clerks:
        thread.start()
    for thread in clerks:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_two_clerks_booking_payments_at_once_cannot_overpay_the_order(app, world, place_order, deliver):
    order_id = deliver(place_order()).id
    finance_id = world.users["finance"].id

    def book():
        order, actor = db.session.get(Order, order_id), db.session.get(User, finance_id)
        return lambda: services.record_payment(order, amount="2000.00", actor=actor)

    outcomes = _two_clerks_at_once(app, book)
    assert sorted(outcomes) == ["amount", "recorded"]
    db.session.expire_all()
    assert db.session.execute(select(BillingPayment.amount)).scalars().all() == [Decimal("2000.00")]


# --- a wrong payment reversed ------------------------------------------------------------


def _finance(world):
    return world.users["finance"]


def test_a_wrong_payment_is_reversed_with_its_reason_kept_and_the_order_owes_again(world, place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))
    payment = services.record_payment(order, amount="1000.00", reference="BOC-1", actor=_finance(world))
    commit()

    services.reverse_payment(payment, reason="录错客户", actor=_finance(world))
    commit()

    db.session.expire_all()
    kept = db.session.get(BillingPayment, payment.id)
    assert kept.reversed and kept.reversal_reason == "录错客户" and kept.reversed_by_id == _finance(world).id
    assert [allocation.reversed_at is not None for allocation in kept.allocations] == [True]
    assert ledger.outstanding(fresh(order.id)) == Decimal("2316.50")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "payment_reversed")).scalar_one()
    assert (entry.order_id, entry.note, entry.after["amount"]) == (order.id, "录错客户", "1000.00")
    # The same reference may be recorded again once the wrong one is reversed.
    services.record_payment(fresh(order.id), amount="1000.00", reference="BOC-1", actor=_finance(world))


def test_reversing_asks_for_a_reason_and_happens_once(world, place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))
    payment = services.record_payment(order, amount="10.00", actor=_finance(world))
    commit()
    with pytest.raises(ValidationError) as refused:
        services.reverse_payment(payment, reason="  ", actor=_finance(world))
    assert refused.value.field == "reason"
    services.reverse_payment(payment, reason="重复录入", actor=_finance(world))
    commit()
    with pytest.raises(Conflict):
        services.reverse_payment(payment, reason="again", actor=_finance(world))


def test_reversing_a_prepayment_reopens_its_invoice_and_closes_the_gate_again(world, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT)
    payment = services.record_payment(order, amount="2316.50", actor=_finance(world))
    commit()
    assert invoice_for(fresh(order.id)).status == InvoiceStatus.PAID
    assert [gate.blocked for gate in services.prepayment_gates(fresh(order.id))] == [False]

    services.reverse_payment(payment, reason="银行退票", actor=_finance(world))
    commit()

    order = fresh(order.id)
    assert invoice_for(order).status == InvoiceStatus.ISSUED and invoice_for(order).paid_at is None
    assert [gate.blocked for gate in services.prepayment_gates(order)] == [True]
    assert order.paid_in_full_at is None
    assert order.id in set(db.session.execute(
        select(Order.id).where(or_(*services.prepayment_holds()))).scalars())
    # Signed for later, it waits for its money instead of completing.
    assert deliver(order).status == OrderStatus.DELIVERED


def test_a_payment_that_completed_an_order_cannot_be_reversed(world, place_order, deliver):
    order = deliver(place_order())
    payment = services.record_payment(order, amount="2316.50", actor=_finance(world))
    commit()
    assert fresh(order.id).status == OrderStatus.COMPLETED

    with pytest.raises(Conflict) as refused:
        services.reverse_payment(payment, reason="录错", actor=_finance(world))
    assert order.display_number in refused.value.message and "completed" in refused.value.message
    db.session.rollback()
    assert not db.session.get(BillingPayment, payment.id).reversed


# --- prepayment: the whole total or an agreed share --------------------------------------


def test_a_percentage_prepayment_releases_the_gate_once_that_share_is_paid(world, place_order):
    services.set_prepayment_percent(world.customers[0], "30", actor=world.users["sales"])
    commit()
    order = place_order(PaymentTerms.PREPAYMENT)
    assert services.prepayment_due(order) == Decimal("694.95")  # 30% of 2,316.50

    def held() -> bool:
        return order.id in set(db.session.execute(
            select(Order.id).where(or_(*services.prepayment_holds()))).scalars())

    assert [gate.blocked for gate in services.prepayment_gates(order)] == [True] and held()
    services.record_payment(order, amount="694.94", actor=_finance(world))
    commit()
    assert [gate.blocked for gate in services.prepayment_gates(fresh(order.id))] == [True] and held()
    services.record_payment(fresh(order.id), amount="0.01", actor=_finance(world))
    commit()
    assert [gate.blocked for gate in services.prepayment_gates(fresh(order.id))] == [False] and not held()
    assert ledger.outstanding(fresh(order.id)) == Decimal("1621.55")


def test_an_orders_own_share_overrides_the_customers_and_a_bad_share_names_the_field(world, place_order):
    services.set_prepayment_percent(world.customers[0], "30", actor=world.users["sales"])
    order = place_order(PaymentTerms.PREPAYMENT)
    services.set_prepayment_percent(world.customers[0], "50", order=order, actor=world.users["sales"])
    commit()
    assert services.prepayment_percent(order) == Decimal("50") and services.prepayment_due(order) == Decimal("1158.25")
    assert services.prepayment_percent(place_order(PaymentTerms.PREPAYMENT, customer=1)) == Decimal("100")
    for bad in ("0", "100.01", "-5", "abc", "33.333"):
        with pytest.raises(ValidationError) as refused:
            services.set_prepayment_percent(world.customers[0], bad, actor=world.users["sales"])
        assert refused.value.field == "percent"


# --- each settlement mode from approval to completed, through payments ----------------


def test_a_prepayment_order_is_paid_before_execution_and_completes_when_signed_for(world, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT)
    assert order.status == OrderStatus.APPROVED and invoice_for(order).status == InvoiceStatus.ISSUED
    payment = services.record_payment(order, amount="2316.50", reference="PRE-1", actor=_finance(world))
    commit()
    assert payment.is_prepayment and fresh(order.id).status == OrderStatus.APPROVED
    assert deliver(fresh(order.id)).status == OrderStatus.COMPLETED


def test_a_cash_on_delivery_order_completes_when_the_money_comes_after_signing(world, place_order, deliver):
    order = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))
    services.record_payment(order, amount="1316.50", method="cash", actor=_finance(world))
    commit()
    assert fresh(order.id).status == OrderStatus.DELIVERED
    services.record_payment(fresh(order.id), amount="1000.00", method="other", actor=_finance(world))
    commit()
    assert fresh(order.id).status == OrderStatus.COMPLETED


def test_monthly_orders_complete_when_the_months_payment_covers_their_invoices(world, place_order, deliver):
    orders = [deliver(place_order(PaymentTerms.MONTHLY)) for _ in range(2)]
    services.record_payment(customer=world.customers[0], amount="4633.00", reference="月结-11",
                            actor=_finance(world))
    commit()
    assert [fresh(order.id).status for order in orders] == [OrderStatus.COMPLETED, OrderStatus.COMPLETED]


def test_what_was_paid_of_a_cancelled_order_becomes_the_customers_credit(world, place_order, deliver):
    order = place_order(PaymentTerms.PREPAYMENT)
    services.record_payment(order, amount="1000.00", reference="PRE-9", actor=_finance(world))
    commit()

    events.cancel(fresh(order.id), "客户取消", actor=world.users["sales"])
    commit()

    assert ledger.paid_total(fresh(order.id)) == Decimal("0.00")
    assert allocations.credit_left(world.customers[0], "CNY") == Decimal("1000.00")
    later = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))
    assert ledger.outstanding(later) == Decimal("1316.50")


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_two_clerks_confirming_the_same_transfer_at_once_record_it_once(app, world, place_order, deliver):
    """Both read the bank statement and record the customer's transfer across their invoices: the customer's
    row is held, so the second sees the first's payment and is refused naming the reference."""
    for _ in range(2):
        deliver(place_order(PaymentTerms.MONTHLY))
    customer_id, finance_id = world.customers[0].id, world.users["finance"].id

    def book():
        customer, actor = db.session.get(Customer, customer_id), db.session.get(User, finance_id)
        return lambda: services.record_payment(customer=customer, amount="3000.00", reference="BOC-0707",
                                               actor=actor)

    outcomes = _two_clerks_at_once(app, book)
    assert sorted(outcomes) == ["recorded", "reference"]
    db.session.expire_all()
    assert db.session.execute(select(func.sum(PaymentAllocation.amount))).scalar_one() == Decimal("3000.00")


def test_money_granted_back_on_a_paid_invoice_becomes_the_customers_credit(world, place_order, deliver):
    order = deliver(place_order(PaymentTerms.MONTHLY))
    services.record_payment(order, amount="2316.50", actor=_finance(world))
    commit()
    assert fresh(order.id).status == OrderStatus.COMPLETED

    # Logistics grants it on a problem case; billing hears credit_granted.
    hooks.credit_granted(fresh(order.id), Credit(amount=Decimal("113.00"), reason="一只阀门漏水",
                                                 granted_at=utcnow(), case_id=1, case_number="CASE-1"))
    commit()

    assert allocations.credit_left(world.customers[0], "CNY") == Decimal("113.00")
    assert ledger.paid_total(fresh(order.id)) == Decimal("2203.50")
    assert ledger.outstanding(fresh(order.id)) == Decimal("0.00")
