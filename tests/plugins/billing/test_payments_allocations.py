"""One payment across several invoices: what each invoice still owes, the oldest-first suggestion, the
customer's credit carried to their next invoice. Each order of the tests bills 2,316.50."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import commit
from core.errors import Conflict, TransitionError, ValidationError
from core.extensions import db
from core.contracts import Payment as PaymentEvent
from core.models import AuditEntry, Order, OrderStatus, PaymentTerms
from core.orders import events
from plugins.billing.invoices.models import InvoiceStatus
from plugins.billing.invoices.services import invoice_for
from plugins.billing.payments import allocations, ledger, services
from plugins.billing.payments.models import PaymentAllocation
from tests.core.test_queries import statements
from tests.plugins.billing import listener
from tests.plugins.billing.conftest import fresh

TOTAL = Decimal("2316.50")


@pytest.fixture
def delivered_orders(place_order, deliver):
    """``count`` monthly orders of the first customer, delivered and invoiced one after the other."""

    def make(count: int, customer: int = 0) -> list[Order]:
        return [deliver(place_order(PaymentTerms.MONTHLY, customer=customer)) for _ in range(count)]

    return make


def pay(world, amount, shares=None, *, customer=0, **extra):
    payment = services.record_payment(customer=world.customers[customer], amount=amount, allocations=shares,
                                      actor=world.users["finance"], **extra)
    commit()
    return payment


def owed(order: Order) -> Decimal:
    return allocations.owed_on([invoice_for(fresh(order.id))])[0].owed


def test_a_payment_pays_the_oldest_invoices_first_and_each_paid_order_hears_paid(world, delivered_orders):
    first, second, third = delivered_orders(3)

    payment = pay(world, "5000.00", reference="BOC-20261201-07")

    assert [owed(order) for order in (first, second, third)] == [Decimal("0.00"), Decimal("0.00"),
                                                                  Decimal("1949.50")]
    assert [fresh(o.id).status for o in (first, second, third)] == [
        OrderStatus.COMPLETED, OrderStatus.COMPLETED, OrderStatus.DELIVERED]
    assert [invoice_for(fresh(o.id)).status for o in (first, second, third)] == [
        InvoiceStatus.PAID, InvoiceStatus.PAID, InvoiceStatus.ISSUED]
    assert [(order_id, event.amount, event.fully_paid, event.payment_id) for order_id, event in listener.RECEIVED] == [
        (first.id, TOTAL, True, payment.id), (second.id, TOTAL, True, payment.id),
        (third.id, Decimal("367.00"), False, payment.id)]
    assert payment.order_id is None and payment.is_prepayment is False
    assert allocations.unallocated([payment.id]) == {}


def test_finance_allocates_a_payment_as_the_remittance_says(world, delivered_orders):
    first, second, third = delivered_orders(3)
    shares = [services.Share(invoice_for(third).id, "1000.00", 0), services.Share(invoice_for(first).id, "2000.00", 1)]

    payment = pay(world, "3000.00", shares)

    assert [owed(order) for order in (first, second, third)] == [Decimal("316.50"), TOTAL, Decimal("1316.50")]
    assert sorted((a.order_id, a.amount) for a in payment.allocations) == sorted(
        [(third.id, Decimal("1000.00")), (first.id, Decimal("2000.00"))])
    assert ledger.outstanding(fresh(first.id)) == Decimal("316.50")


def test_what_no_allocation_takes_is_credit_applied_to_the_next_invoice_when_it_is_issued(
        world, place_order, deliver, delivered_orders):
    (first,) = delivered_orders(1)

    payment = pay(world, "3000.00")

    assert fresh(first.id).status == OrderStatus.COMPLETED
    assert allocations.credit_left(world.customers[0], "CNY") == Decimal("683.50")
    assert allocations.credit_left(world.customers[1], "CNY") == Decimal("0.00")

    later = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))

    assert owed(later) == TOTAL - Decimal("683.50")
    assert ledger.outstanding(later) == Decimal("1633.00")
    assert allocations.credit_left(world.customers[0], "CNY") == Decimal("0.00")
    applied = db.session.execute(select(AuditEntry).where(AuditEntry.order_id == later.id,
                                                          AuditEntry.action == "credit_applied")).scalar_one()
    assert applied.entity_id == payment.id and applied.after["amount"] == "683.50"
    assert listener.RECEIVED[-1][1].amount == Decimal("683.50") and listener.RECEIVED[-1][1].fully_paid is False


def test_credit_covering_a_prepayment_invoice_releases_the_gate_at_approval(world, place_order, delivered_orders):
    delivered_orders(1)
    pay(world, "5000.00")  # 2,683.50 left over

    order = place_order(PaymentTerms.PREPAYMENT)

    assert order.status == OrderStatus.APPROVED
    assert ledger.outstanding(order) == Decimal("0.00")
    assert [gate.blocked for gate in services.prepayment_gates(order)] == [False]
    assert invoice_for(order).status == InvoiceStatus.PAID
    assert fresh(order.id).paid_in_full_at is not None
    assert allocations.credit_left(world.customers[0], "CNY") == Decimal("367.00")


@pytest.mark.parametrize(("shares", "field"), [
    ([("first", "0.00")], "allocations[0].amount"),
    ([("first", "-1.00")], "allocations[0].amount"),
    ([("first", "1.001")], "allocations[0].amount"),
    ([("first", "2316.51")], "allocations[0].amount"),  # beyond what the invoice owes
    ([("first", "2000.00"), ("first", "400.00")], "allocations[1].amount"),  # the same invoice twice, too much
    ([("first", "2316.50"), ("second", "700.00")], "allocations"),  # beyond the payment's 3,000.00
    ([("other", "10.00")], "allocations[0].invoice_id"),  # another customer's invoice
    ([(987654, "10.00")], "allocations[0].invoice_id"),  # no such invoice
])
def test_an_allocation_that_does_not_fit_is_refused_naming_it_and_nothing_is_saved(
        world, delivered_orders, shares, field):
    first, second = delivered_orders(2)
    (other,) = delivered_orders(1, customer=1)
    ids = {"first": invoice_for(first).id, "second": invoice_for(second).id, "other": invoice_for(other).id}
    given = [services.Share(ids.get(name, name), amount, index) for index, (name, amount) in enumerate(shares)]

    with pytest.raises(ValidationError) as refused:
        services.record_payment(customer=world.customers[0], amount="3000.00", allocations=given,
                                actor=world.users["finance"])
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.execute(select(PaymentAllocation)).first() is None
    assert listener.RECEIVED == []


def test_a_payment_in_another_currency_than_its_invoices_is_refused(world, delivered_orders):
    (first,) = delivered_orders(1)
    with pytest.raises(ValidationError) as refused:
        services.record_payment(customer=world.customers[0], amount="100.00", currency="USD",
                                allocations=[services.Share(invoice_for(first).id, "100.00", 0)],
                                actor=world.users["finance"])
    assert refused.value.field == "currency"
    with pytest.raises(ValidationError) as refused:
        services.record_payment(first, amount="100.00", currency="usd", actor=world.users["finance"])
    assert refused.value.field == "currency"


def test_a_payment_to_a_cancelled_invoice_is_refused(world, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)  # invoiced on approval
    events.cancel(order, "客户取消", actor=world.users["sales"])
    commit()
    invoice = invoice_for(fresh(order.id))
    assert invoice.status == InvoiceStatus.CANCELLED

    with pytest.raises(ValidationError) as refused:
        services.record_payment(customer=world.customers[0], amount="100.00",
                                allocations=[services.Share(invoice.id, "100.00", 0)], actor=world.users["finance"])
    assert refused.value.field == "allocations[0].invoice_id"
    with pytest.raises(TransitionError):
        services.record_payment(fresh(order.id), amount="100.00", actor=world.users["finance"])


def test_the_same_prepayment_confirmed_twice_is_refused(world, place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    services.record_payment(order, amount="1000.00", reference="ICBC-778", actor=world.users["finance"])
    commit()

    with pytest.raises(Conflict) as refused:
        services.record_payment(fresh(order.id), amount="1000.00", reference="ICBC-778", actor=world.users["finance"])
    assert refused.value.field == "reference"
    db.session.rollback()
    assert ledger.paid_total(fresh(order.id)) == Decimal("1000.00")


def test_recording_a_payment_across_20_invoices_costs_billing_the_statements_of_2(world, delivered_orders):
    """Billing reads and writes the allocations in the same statements for 2 invoices as for 20; what grows
    is the core's ``paid`` event, once per order paid (its audit entry, its listeners), the same for each."""
    counts = []
    for count, customer in ((2, 0), (20, 1)):
        orders = delivered_orders(count, customer=customer)
        shares = [services.Share(invoice_for(order).id, "100.00", n) for n, order in enumerate(orders)]
        with statements(db.engine) as seen:
            services.record_payment(customer=world.customers[customer], amount=f"{100 * count}.00",
                                    allocations=shares, actor=world.users["finance"])
            db.session.flush()
        commit()
        counts.append(len(seen))
        assert all(ledger.paid_total(order) == Decimal("100.00") for order in orders)
    order = delivered_orders(1)[0]
    with statements(db.engine) as one_event:
        events.record_payment(order, PaymentEvent(amount=Decimal("1.00"), received_at=order.delivered_at,
                                                  is_prepayment=False, fully_paid=False), actor=None)
        db.session.flush()
    commit()
    assert counts[1] - counts[0] == 18 * len(one_event), (counts, len(one_event))


def test_the_suggestion_reads_the_oldest_invoices_a_chunk_at_a_time_until_the_payment_is_taken(
        world, delivered_orders, monkeypatch):
    """With chunks of two, a payment of one invoice reads one chunk whether the customer owes on 3 invoices or
    on 7; one of three and a half invoices reads two chunks and pays them oldest first."""
    monkeypatch.setattr(allocations, "SUGGEST_CHUNK", 2)
    orders = delivered_orders(3)
    with statements(db.engine) as few:
        assert [row.invoice.order_id for row in allocations.open_invoices(world.customers[0], "CNY", TOTAL)] == [
            orders[0].id, orders[1].id]
    orders += delivered_orders(4)
    with statements(db.engine) as many:
        assert len(allocations.open_invoices(world.customers[0], "CNY", TOTAL)) == 2
    assert len(few) == len(many) == 3  # the chunk, what its invoices were paid, what was credited back

    pay(world, f"{TOTAL * 3 + 100}")
    assert [owed(order) for order in orders[:5]] == [Decimal("0.00")] * 3 + [TOTAL - 100, TOTAL]
    everything = allocations.open_invoices(world.customers[0], "CNY", TOTAL * 10)
    assert [(row.invoice.order_id, row.owed) for row in everything] == [
        (orders[3].id, TOTAL - 100), *((order.id, TOTAL) for order in orders[4:])]
