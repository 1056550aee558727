"""The order's status bar: its steps follow the stages pinned on the order and stop where it stopped."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from core.contracts import Decision, Delivery, Outcome
from core.db import commit
from core.models import OrderStatus, utcnow
from core.modules import set_enabled
from core.orders import actions, events
from core.orders.stages import Step, StepState, status_steps
from core.plugins import discover
from plugins.logistics.shipments import services as logistics
from tests import factories, orders

S = OrderStatus
ALL_STAGES = {"review": True, "logistics": True, "billing": True, "kpi": True}


@pytest.fixture
def build(make_app):
    app = make_app(plugins=discover())
    context = app.app_context()
    context.push()
    yield lambda **modules: factories.build_world(app, modules={**ALL_STAGES, **modules})
    context.pop()


P = S.IN_PRODUCTION


def states(steps: list[Step]) -> list[tuple[OrderStatus, StepState]]:
    return [(step.status, step.state) for step in steps]


def test_a_draft_shows_every_step_of_the_company_stages_ahead(build):
    order = orders.draft(build())
    assert states(status_steps(order)) == [
        (S.DRAFT, StepState.CURRENT), (S.SUBMITTED, StepState.UPCOMING), (S.APPROVED, StepState.UPCOMING),
        (P, StepState.UPCOMING), (S.SHIPPED, StepState.UPCOMING), (S.DELIVERED, StepState.UPCOMING),
        (S.COMPLETED, StepState.UPCOMING),
    ]
    assert [step.label for step in status_steps(order)] == [
        "Draft", "In review", "Approved", "In production", "Shipped", "Signed for", "Completed"]


def test_the_chinese_bar_reads_as_the_procedure(build):
    order = orders.draft(build())
    with force_locale("zh_CN"):
        labels = [step.label for step in status_steps(order)]
    assert labels == [
        "草稿", "审核中", "已通过", "生产中", "已发货", "已签收", "已完成"]


def test_an_order_in_production_has_that_status_as_its_current_step(build):
    """In production is the order's status, reached by its event: the bar and the badge say the same."""
    world = build(review=False)
    order = orders.submitted(world)
    assert order.status == S.APPROVED
    assert states(status_steps(order))[1:3] == [(S.APPROVED, StepState.CURRENT), (P, StepState.UPCOMING)]

    events.start_production(order, actor=world.users["production"], task="生产")

    assert order.status == S.IN_PRODUCTION
    assert states(status_steps(order)) == [
        (S.DRAFT, StepState.DONE), (S.APPROVED, StepState.DONE), (P, StepState.CURRENT),
        (S.SHIPPED, StepState.UPCOMING), (S.DELIVERED, StepState.UPCOMING), (S.COMPLETED, StepState.UPCOMING)]


def test_preparing_a_shipment_no_longer_draws_production(build):
    """Goods in stock: a shipment prepared for an approved order leaves it approved, and the bar says so."""
    world = build(review=False)
    order = orders.submitted(world)
    logistics.create_shipment(order, world.users["logistics"])
    assert order.status == S.APPROVED
    assert states(status_steps(order))[1:3] == [(S.APPROVED, StepState.CURRENT), (P, StepState.UPCOMING)]


def test_an_order_shipped_without_production_shows_production_passed(build):
    world = build(review=False, billing=False)
    order = orders.submitted(world)
    events.ship(order, actor=None)
    assert states(status_steps(order))[2:4] == [(P, StepState.DONE), (S.SHIPPED, StepState.CURRENT)]


def test_an_order_in_review_has_the_draft_done_and_review_current(build):
    order = orders.submitted(build())
    assert order.status == S.SUBMITTED
    assert states(status_steps(order))[:3] == [
        (S.DRAFT, StepState.DONE), (S.SUBMITTED, StepState.CURRENT), (S.APPROVED, StepState.UPCOMING)]


def test_without_review_or_logistics_pinned_their_steps_are_left_out(build):
    world = build(review=False, logistics=False)
    order = orders.submitted(world)  # approved at once: no review pinned
    for module in ("review", "logistics"):  # switched on later: the order keeps the set it was submitted with
        set_enabled(world.company, module, True, actor=world.users["administrator"])
    assert states(status_steps(order)) == [
        (S.DRAFT, StepState.DONE), (S.APPROVED, StepState.CURRENT),
        (S.DELIVERED, StepState.UPCOMING), (S.COMPLETED, StepState.UPCOMING)]
    actions.mark_delivered(order, actor=world.users["logistics"], signed_by="王五")
    assert states(status_steps(order))[-2:] == [(S.DELIVERED, StepState.CURRENT), (S.COMPLETED, StepState.UPCOMING)]


def test_a_completed_order_has_every_step_done_and_the_last_current(build):
    world = build(review=False, billing=False)
    order = orders.submitted(world)
    events.ship(order, actor=None)
    events.deliver(order, Delivery(signed_by="王五", signed_at=utcnow()), actor=None)
    assert order.status == S.COMPLETED  # billing off: complete on delivery
    assert states(status_steps(order)) == [
        (S.DRAFT, StepState.DONE), (S.APPROVED, StepState.DONE), (P, StepState.DONE),
        (S.SHIPPED, StepState.DONE), (S.DELIVERED, StepState.DONE), (S.COMPLETED, StepState.CURRENT)]


def test_a_rejected_order_stops_in_review(build):
    order = orders.submitted(build())
    events.decide_review(order, Decision(Outcome.REJECTED, reasons=("price_below_floor",)), actor=None)
    steps = status_steps(order)
    assert states(steps) == [(S.DRAFT, StepState.DONE), (S.SUBMITTED, StepState.DONE),
                             (S.REJECTED, StepState.CURRENT)]
    assert steps[-1].stopped and steps[-1].label == "Rejected"


@pytest.mark.parametrize(("review", "before_cancelling", "reached"), [
    (True, None, [S.DRAFT]),
    (True, "submit", [S.DRAFT, S.SUBMITTED]),
    (True, "approve", [S.DRAFT, S.SUBMITTED, S.APPROVED]),
    (False, "submit", [S.DRAFT, S.APPROVED]),
    (False, "produce", [S.DRAFT, S.APPROVED, S.IN_PRODUCTION]),
])
def test_a_cancelled_order_shows_where_it_stopped(build, review, before_cancelling, reached):
    world = build(review=review)
    order = orders.submitted(world) if before_cancelling else orders.draft(world)
    if before_cancelling == "approve":
        events.decide_review(order, Decision(Outcome.APPROVED), actor=None)
    if before_cancelling == "produce":
        events.start_production(order, actor=None)
    actions.cancel(order, actor=world.users["sales"], reason="客户取消")
    commit()
    steps = status_steps(order)
    assert states(steps) == [(status, StepState.DONE) for status in reached] + [(S.CANCELLED, StepState.CURRENT)]
    assert steps[-1].stopped


def test_an_order_sent_back_and_cancelled_stopped_at_its_draft(build):
    world = build()
    order = orders.submitted(world)
    events.decide_review(order, Decision(Outcome.SENT_BACK, reasons=("missing_address",)), actor=None)
    actions.cancel(order, actor=world.users["sales"], reason="客户取消")
    assert states(status_steps(order)) == [(S.DRAFT, StepState.DONE), (S.CANCELLED, StepState.CURRENT)]
