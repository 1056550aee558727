"""Every stage event of an order is recorded as one KPI fact."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.contracts import Decision, Outcome, Payment, PaymentReversal, Settlement
from core.db import commit
from core.labels import label
from core.extensions import db
from core.models import OrderStatus, utcnow
from core.modules import set_enabled
from core.orders.actions import cancel, mark_delivered
from core.orders import events
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.kpi.dashboard import services
from plugins.kpi.manifest import MANIFEST as KPI
from plugins.kpi.facts.models import KpiEvent, KpiEventKind, KpiMoney, MoneyKind
from plugins.review.manifest import MANIFEST as REVIEW
from tests import factories
from tests.plugins.kpi.conftest import submit_order
from tests.plugins.kpi.manual_review import MANIFEST as MANUAL_REVIEW
from tests.plugins.review.desk import Desk

K = KpiEventKind


def facts(order) -> list[KpiEvent]:
    return db.session.execute(
        select(KpiEvent).where(KpiEvent.order_id == order.id).order_by(KpiEvent.id)
    ).scalars().all()


def test_an_order_submitted_approved_and_signed_for_leaves_one_fact_per_event(world):
    order = submit_order(world)
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    commit()

    recorded = facts(order)
    assert order.status == OrderStatus.COMPLETED
    assert [fact.event for fact in recorded] == [K.SUBMITTED, K.APPROVED, K.DELIVERED, K.COMPLETED]
    assert {fact.company_id for fact in recorded} == {world.company.id}
    assert all(fact.amount is None for fact in recorded)  # only payments and reversals move money
    due = db.session.execute(select(KpiMoney).where(KpiMoney.order_id == order.id)).scalar_one()
    assert (due.kind, due.amount) == (MoneyKind.DUE, Decimal("1356.00"))  # 10 x 120.00 + 13 % tax


def test_facts_carry_the_hours_since_submission_and_the_department_that_answers_for_them(world):
    order = submit_order(world)
    order.submitted_at = utcnow() - timedelta(hours=30)  # the order waited a day and a quarter
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    commit()

    by_kind = {fact.event: fact for fact in facts(order)}
    assert by_kind[K.SUBMITTED].hours_since_submission is None
    assert by_kind[K.APPROVED].hours_since_submission < Decimal("1")  # approved at submission
    assert by_kind[K.DELIVERED].hours_since_submission == Decimal("30.00")
    assert by_kind[K.DELIVERED].department == "logistics"
    assert by_kind[K.SUBMITTED].department is None


def test_paid_records_a_prepayment_with_the_amount_paid_not_the_order_total(world):
    order = submit_order(world)
    received = utcnow() - timedelta(hours=2)
    events.record_payment(order, Payment(amount=Decimal("500.00"), received_at=received, is_prepayment=True,
                                         fully_paid=False),
                          actor=world.users["finance"])
    commit()

    paid = [fact for fact in facts(order) if fact.event == K.PAID]
    assert len(paid) == 1
    assert paid[0].amount == Decimal("500.00")
    assert paid[0].at == received
    assert paid[0].department == "finance"


def test_a_reversed_payment_is_recorded_against_finance_with_what_it_had_paid(world):
    order = submit_order(world)
    received, reversed_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    events.record_payment(order, Payment(amount=Decimal("500.00"), received_at=received, is_prepayment=True,
                                         fully_paid=False), actor=world.users["finance"])
    events.reverse_payment(order, PaymentReversal(amount=Decimal("500.00"), reversed_at=reversed_at,
                                                  reason="录错客户", fully_paid=False), actor=world.users["finance"])
    commit()

    [reversal] = [fact for fact in facts(order) if fact.event == K.PAYMENT_REVERSED]
    assert (reversal.amount, reversal.at, reversal.department) == (Decimal("500.00"), reversed_at, "finance")
    # Net of the reversal, nothing was collected.
    assert services.counts(world.company.id).collected == Decimal("0.00")


def test_an_order_settled_by_credit_is_a_fact_that_collects_nothing(world):
    order = submit_order(world)
    at = utcnow() - timedelta(hours=1)
    events.settle(order, Settlement(settled_at=at, paid=Decimal("0.00"), credited=order.total), actor=None)
    commit()

    [settled] = [fact for fact in facts(order) if fact.event == K.SETTLED]
    assert settled.at == at
    summary = services.counts(world.company.id)
    assert (summary.counts[K.SETTLED], summary.collected) == (1, Decimal("0.00"))


def test_order_shipped_is_recorded_for_logistics(world):
    order = submit_order(world)
    events.ship(order, actor=world.users["logistics"])
    commit()

    shipped = facts(order)[-1]
    assert shipped.event == K.SHIPPED
    assert shipped.department == "logistics"
    assert shipped.amount is None  # no money moved


def test_production_started_is_recorded_for_production(world):
    order = submit_order(world)
    events.start_production(order, actor=world.users["production"])
    events.ship(order, actor=world.users["logistics"])
    commit()

    recorded = facts(order)
    assert [fact.event for fact in recorded][-2:] == [K.PRODUCTION_STARTED, K.SHIPPED]
    assert recorded[-2].department == "production"


def test_order_cancelled_is_recorded_as_a_cancelled_fact(world):
    order = submit_order(world)
    cancel(order, actor=world.users["sales"], reason="客户取消")
    commit()

    assert [fact.event for fact in facts(order)] == [K.SUBMITTED, K.APPROVED, K.CANCELLED]


def test_a_company_with_kpi_switched_off_records_nothing(world):
    set_enabled(world.company, "kpi", False, actor=None)
    commit()
    order = submit_order(world)
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    commit()

    assert order.status == OrderStatus.COMPLETED
    assert db.session.execute(select(KpiEvent)).scalars().all() == []


def test_another_company_switching_kpi_off_does_not_stop_measuring_ours(world, app):
    other = factories.build_world(app, code="XYZ", modules={"kpi": False})
    ours, theirs = submit_order(world), submit_order(other)

    assert [fact.event for fact in facts(ours)] == [K.SUBMITTED, K.APPROVED]
    assert facts(theirs) == []


@pytest.fixture
def reviewed_app(make_app):
    app = make_app(plugins=[INTAKE, KPI, MANUAL_REVIEW])
    with app.app_context():
        yield app


@pytest.mark.parametrize("outcome, kind", [
    (Outcome.REJECTED, K.REJECTED),
    (Outcome.SENT_BACK, K.SENT_BACK),
    (Outcome.APPROVED, K.APPROVED),
])
def test_a_review_decision_is_recorded_by_its_outcome(reviewed_app, outcome, kind):
    world = factories.build_world(reviewed_app)
    order = submit_order(world)
    assert order.status == OrderStatus.SUBMITTED  # waits for its reviewers
    order.submitted_at = utcnow() - timedelta(hours=5)
    events.decide_review(order, Decision(outcome, reasons=("price under floor",), decided_by=world.users["finance"].id),
                         actor=world.users["finance"])
    commit()

    recorded = facts(order)
    assert [fact.event for fact in recorded] == [K.SUBMITTED, kind]
    assert recorded[1].hours_since_submission == Decimal("5.00")


@pytest.fixture
def review_desk(make_app):
    """Intake, review and kpi: orders are reviewed by the departments, and so are their changes."""
    app = make_app(plugins=[INTAKE, REVIEW, KPI])
    with app.app_context():
        yield Desk(app, factories.build_world(app))


def approve_open_steps(desk: Desk, order_id: int) -> None:
    for step in desk.steps(order_id):
        if step.status.value == "open":
            assert desk.decide("administrator", order_id, step.department, "approve").status_code == 200
    for step in desk.steps(order_id):
        if step.status.value == "open":
            approve_open_steps(desk, order_id)


def test_a_change_requested_and_approved_is_counted_on_the_dashboard_tiles(review_desk):
    desk = review_desk
    order_id = desk.place()
    approve_open_steps(desk, order_id)
    order = desk.order(order_id)
    assert order.status == OrderStatus.APPROVED

    response = desk.api("customer_service").post(f"/api/v1/orders/{order_id}/changes", json={
        "lines": [{"line_no": 1, "quantity": "15"}], "reason": "客户追加数量"})
    assert response.status_code == 201, response.get_json()
    assert [fact.event for fact in facts(order)][-1] == K.CHANGE_REQUESTED
    approve_open_steps(desk, order_id)

    order = desk.order(order_id)
    assert order.revision == 2
    recorded = [fact for fact in facts(order) if fact.event in (K.CHANGE_REQUESTED, K.CHANGED)]
    assert [fact.event for fact in recorded] == [K.CHANGE_REQUESTED, K.CHANGED]
    html = factories.portal_login(desk.app, desk.world.users["manager"]).get(
        "/kpi", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'id="kpi-count-change_requested">\s*<div>Change requested</div>\s*'
                     r'<div class="figure">1</div>', html)
    assert re.search(r'id="kpi-count-changed">\s*<div>Change applied</div>\s*<div class="figure">1</div>', html)


def test_hook_ordo_labels_names_the_departments_of_the_facts_without_review(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert label("sales", "kpi.department") == "销售"
        assert label("logistics", "kpi.department") != "logistics"
