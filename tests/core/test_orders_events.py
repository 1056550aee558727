"""The order's events: one place changes status, audits it and fires the hook; events never nest."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from core.contracts import (
    Decision, Delivery, OrderChange, Outcome, OverdueKind, Payment, PaymentReversal, ReviewOverdue, Settlement,
)
from core.db import commit
from core.errors import Conflict, TransitionError, ValidationError
from core.extensions import db
from core.models import AppendOnlyError, AuditEntry, OrderStatus, utcnow
from core.orders import EVENTS, OrderEvent, actions, allowed_events, compute_totals, events
from core.orders.events import EventFact
from core.timeline import timeline
from core.plugins import Manifest, discover
from tests import factories, orders
from tests.core.samples import recorder, status_witness

RECORDER = Manifest(name="recorder", version="1", hooks="tests.core.samples.recorder", default_enabled=True)
FAILING = Manifest(name="failing", version="1", hooks="tests.core.samples.failing_listener", default_enabled=True)
WITNESS = Manifest(name="witness", version="1", hooks="tests.core.samples.status_witness", default_enabled=True)
NOTIFIER = Manifest(name="notifier", version="1", hooks="tests.core.samples.notifier", default_enabled=True)
# The audit actions of the events that change an order's status.
STATUS_CHANGES = ("submit", "review_decided", "production_started", "ship", "deliver", "complete", "cancel")
FAILING_FOLLOW_UP = Manifest(name="failing_follow_up", version="1", hooks="tests.core.samples.failing_follow_up",
                             default_enabled=True)


@pytest.fixture
def core_only(make_app):
    """The core alone with an event recorder: every stage falls back to the core."""
    recorder.SEEN.clear()
    app = make_app(plugins=[RECORDER])
    with app.app_context():
        yield factories.build_world(app)


def audit_actions(order) -> list[str]:
    return list(db.session.execute(
        select(AuditEntry.action).where(AuditEntry.order_id == order.id).order_by(AuditEntry.id)).scalars())


def test_totals_are_decimal_and_rounded_per_line(core_only):
    order = orders.draft(core_only, lines=[(core_only.products[0], "3", "33.335"), (core_only.products[1], "7", None)])
    compute_totals(order)
    assert [line.net_amount for line in order.lines] == [Decimal("100.01"), Decimal("59.50")]
    assert order.subtotal == Decimal("159.51")
    assert order.tax_total == Decimal("13.00") + Decimal("7.74")
    assert order.total == order.subtotal + order.tax_total


def test_an_order_without_a_number_cannot_be_submitted(core_only):
    order = orders.draft(core_only)
    with pytest.raises(ValidationError, match="needs its number"):
        events.submit(order, actor=core_only.users["sales"])
    assert order.status == OrderStatus.DRAFT


def test_without_review_the_core_approves_on_submission_and_says_so(core_only):
    order = orders.submitted(core_only)
    assert order.status == OrderStatus.APPROVED
    decided = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id, AuditEntry.action == "review_decided")
    ).scalar_one()
    assert decided.after["automatic"] is True
    assert decided.note == "review_not_enabled"  # a code, shown through a label on the timeline
    assert [event for event, order_id, _ in recorder.SEEN if order_id == order.id] == [
        "order_submitted", "review_decided"]


def test_the_modules_of_the_company_are_pinned_at_submission(core_only):
    order = orders.submitted(core_only)
    assert order.pinned_modules == ["recorder"]


def test_events_that_the_status_does_not_allow_are_refused(core_only):
    order = orders.draft(core_only)
    delivery = Delivery(signed_by="张三", signed_at=utcnow())
    with pytest.raises(TransitionError, match="is Draft; it cannot be delivered"):
        events.deliver(order, delivery, actor=None)
    assert allowed_events(order) == ["submit", "cancel"]


def test_a_trylast_listener_sees_submitted_when_review_is_off(make_app):
    """The fallback's approval is queued: it runs after every order_submitted listener."""
    status_witness.SEEN.clear()
    app = make_app(plugins=[WITNESS])
    with app.app_context():
        order = orders.submitted(factories.build_world(app))
        assert order.status == OrderStatus.APPROVED
    assert status_witness.SEEN == [("order_submitted", "submitted"), ("review_decided", "approved")]


def test_a_trylast_listener_sees_submitted_when_review_decides_at_once(make_app):
    """Review's rules reject an order under the floor price inside order_submitted; the decision waits."""
    status_witness.SEEN.clear()
    app = make_app(plugins=[*discover(), WITNESS])
    with app.app_context():
        world = factories.build_world(app)
        order = orders.submitted(world, lines=[(world.products[1], "10", "1.00")])
        assert order.status == OrderStatus.REJECTED
    assert status_witness.SEEN == [("order_submitted", "submitted"), ("review_decided", "rejected")]


def test_a_notification_from_inside_an_event_s_hook_is_heard_after_them_and_at_once_outside_any(make_app):
    """A plugin issuing its invoice inside ``delivered`` notifies it: every delivered listener (the trylast
    witness included) has heard the delivery first; a notification outside any event is heard at once."""
    status_witness.SEEN.clear()
    app = make_app(plugins=[WITNESS, NOTIFIER])
    with app.app_context():
        world = factories.build_world(app)
        order = orders.submitted(world)
        actions.mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
        heard = list(status_witness.SEEN)
        events.notify(order, "invoice_issued", invoice=None)
        assert status_witness.SEEN[len(heard):] == [("invoice_issued", "completed")]
    assert heard == [("order_submitted", "submitted"), ("review_decided", "approved"), ("delivered", "delivered"),
                     ("invoice_issued", "delivered"), ("order_completed", "completed")]


def test_completion_after_payment_is_dispatched_after_paid(core_only):
    status_witness.SEEN.clear()
    order = orders.submitted(core_only)
    actions.mark_delivered(order, actor=core_only.users["logistics"], signed_by="张三")
    assert order.status == OrderStatus.COMPLETED
    assert [event for event, order_id, _ in recorder.SEEN if order_id == order.id] == [
        "order_submitted", "review_decided", "delivered", "order_completed"]
    assert audit_actions(order)[-2:] == ["deliver", "complete"]


def test_one_table_of_events_names_every_hook_label_and_fact():
    assert {spec.hook for spec in EVENTS.values()} == {
        "order_submitted", "review_decided", "review_overdue", "production_started", "shipped", "delivered", "paid",
        "payment_reversed", "order_settled", "order_completed", "order_cancelled", "change_requested",
        "order_changed"}
    assert {spec.fact for spec in EVENTS.values() if spec.fact} | {
        EventFact.APPROVED, EventFact.REJECTED, EventFact.SENT_BACK} == set(EventFact)
    assert events.fact_of(OrderEvent.REVIEW_DECIDED, Decision(Outcome.SENT_BACK)) == EventFact.SENT_BACK


def test_without_billing_the_order_completes_when_marked_delivered(core_only):
    order = orders.submitted(core_only)
    actions.mark_delivered(order, actor=core_only.users["logistics"], signed_by="张三")
    assert order.status == OrderStatus.COMPLETED
    assert audit_actions(order) == ["submit", "review_decided", "deliver", "complete"]


def test_a_delivered_order_completes_when_paid_in_full(core_only):
    order = orders.submitted(core_only)
    partial = Payment(amount=Decimal("100.00"), received_at=utcnow(), is_prepayment=True, fully_paid=False)
    events.record_payment(order, actor=None, payment=partial)
    assert order.status == OrderStatus.APPROVED and order.paid_in_full_at is None
    rest = Payment(amount=order.total - Decimal("100.00"), received_at=utcnow(), is_prepayment=True, fully_paid=True)
    events.record_payment(order, actor=None, payment=rest)
    assert order.status == OrderStatus.APPROVED and order.paid_in_full_at is not None


def test_a_reversed_payment_leaves_the_status_and_unsettles_an_order_no_longer_paid_in_full(core_only):
    order = orders.submitted(core_only)
    whole = Payment(amount=order.total, received_at=utcnow(), is_prepayment=True, fully_paid=True)
    events.record_payment(order, actor=None, payment=whole)
    still = PaymentReversal(amount=Decimal("1.00"), reversed_at=utcnow(), reason="重复", fully_paid=True)
    events.reverse_payment(order, still, actor=None)
    assert order.paid_in_full_at is not None
    events.reverse_payment(order, PaymentReversal(amount=order.total, reversed_at=utcnow(), reason="退票",
                                                  fully_paid=False), actor=None)
    assert (order.status, order.paid_in_full_at) == (OrderStatus.APPROVED, None)
    assert audit_actions(order)[-3:] == ["pay", "payment_reversed", "payment_reversed"]


def test_settling_by_credit_marks_the_order_paid_in_full_and_leaves_its_status(core_only):
    # Completion after it (a delivered order) is billing's case: without billing, delivery completes alone.
    order = orders.submitted(core_only)
    at = utcnow()
    events.settle(order, Settlement(settled_at=at, paid=Decimal("0.00"), credited=order.total,
                                    credit_note="CN2026-0001"), actor=None)
    assert (order.status, order.paid_in_full_at) == (OrderStatus.APPROVED, at)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.order_id == order.id)
                               .order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (entry.action, entry.after["credit_note"], entry.after["credited"]) == (
        "settled", "CN2026-0001", str(order.total))


def test_a_completed_order_cannot_have_a_payment_reversed(core_only):
    order = orders.submitted(core_only)
    actions.mark_delivered(order, actor=core_only.users["logistics"], signed_by="张三")
    assert order.status == OrderStatus.COMPLETED
    with pytest.raises(TransitionError):
        events.reverse_payment(order, PaymentReversal(amount=Decimal("1.00"), reversed_at=utcnow(), reason="x",
                                                      fully_paid=False), actor=None)


@pytest.mark.parametrize(("listener", "refusal"), [
    (FAILING, "warehouse system refused"),  # a listener of the event itself
    (FAILING_FOLLOW_UP, "ERP bridge refused"),  # a listener of the follow-up queued behind it
], ids=["listener", "follow-up"])
def test_a_listener_that_raises_rolls_the_whole_action_back(make_app, listener, refusal):
    app = make_app(plugins=[listener])
    with app.app_context():
        world = factories.build_world(app)
        order = orders.draft(world)
        order.number = "SO-ROLLBACK"
        commit()
        order_id = order.id
        with pytest.raises(Conflict, match=refusal):
            events.submit(order, actor=world.users["sales"])
        db.session.rollback()
        reloaded = db.session.get(type(order), order_id)
        assert reloaded.status == OrderStatus.DRAFT
        assert reloaded.pinned_modules is None
        assert audit_actions(reloaded) == []
        # The dispatcher is idle again: the next action is not queued behind the failed one.
        assert events.cancel(reloaded, "customer withdrew", actor=None).status == OrderStatus.CANCELLED


def test_cancelling_needs_a_reason_and_fires_the_event(core_only):
    order = orders.submitted(core_only)
    with pytest.raises(ValidationError, match="reason"):
        actions.cancel(order, actor=core_only.users["sales"], reason="  ")
    actions.cancel(order, actor=core_only.users["sales"], reason="客户取消")
    assert order.status == OrderStatus.CANCELLED
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id, AuditEntry.action == "cancel")).scalar_one()
    assert entry.before == {"status": "approved"}
    assert entry.after == {"status": "cancelled", "reason": "客户取消"}


def test_audit_entries_are_append_only(core_only):
    order = orders.submitted(core_only)
    commit()
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.order_id == order.id)).scalars().first()
    entry.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()


def test_two_writers_of_one_order_resolve_to_one_winner(core_only):
    order = orders.submitted(core_only)
    commit()
    # Another worker changes the same order meanwhile (its version moves on).
    with db.engine.begin() as other:
        other.execute(text('UPDATE "order" SET version = version + 1, notes = :n WHERE id = :id'),
                      {"n": "changed elsewhere", "id": order.id})
    with pytest.raises(Conflict, match="changed by someone else"):
        actions.mark_delivered(order, actor=core_only.users["logistics"], signed_by="张三")
        commit()


def test_review_decided_is_refused_twice(core_only):
    order = orders.submitted(core_only)
    with pytest.raises(TransitionError):
        events.decide_review(order, actor=None, decision=Decision(Outcome.APPROVED))


def test_hook_production_started(core_only):
    """Listeners get the order in production; the audit entry names what started it; the customer sees it."""
    status_witness.SEEN.clear()
    world = core_only
    order = orders.submitted(world)
    assert OrderEvent.START_PRODUCTION in allowed_events(order)

    events.start_production(order, actor=world.users["production"], task="阀体加工")

    assert order.status == OrderStatus.IN_PRODUCTION
    assert [(event, detail) for event, order_id, detail in recorder.SEEN
            if order_id == order.id and event == "production_started"] == [("production_started", "in_production")]
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.order_id == order.id, AuditEntry.action == "production_started")).scalar_one()
    assert (entry.before, entry.after) == ({"status": "approved"}, {"status": "in_production", "task": "阀体加工"})
    seen = [(item.action, item.after) for item in timeline(order, world.customer_user)]
    assert ("production_started", {"status": "in_production"}) in seen  # the task's name stays internal
    with pytest.raises(TransitionError, match="it cannot be put into production"):
        events.start_production(order, actor=None)


def test_an_order_in_production_ships_is_paid_changed_and_cancelled_like_an_approved_one(core_only):
    order = orders.submitted(core_only)
    events.start_production(order, actor=None)
    assert allowed_events(order) == [
        "review_overdue", "ship", "deliver", "pay", "payment_reversed", "settled", "cancel", "change_requested",
        "change_applied"]
    events.ship(order, actor=None)
    assert order.status == OrderStatus.SHIPPED


def test_each_status_change_stamps_the_order_with_its_moment_and_other_events_leave_it(core_only):
    def last_change(order) -> object:
        return db.session.execute(select(AuditEntry.at).where(
            AuditEntry.order_id == order.id, AuditEntry.action.in_(STATUS_CHANGES))
            .order_by(AuditEntry.id.desc()).limit(1)).scalar_one()

    draft = orders.draft(core_only)
    db.session.flush()
    assert draft.status_changed_at is not None  # a draft: since it was made
    order = orders.submitted(core_only)  # submitted, then approved at once (review is off)
    assert order.status == OrderStatus.APPROVED and order.status_changed_at == last_change(order)
    approved_at = order.status_changed_at

    # A payment, an overdue review, a change (applied at once: review is off): the order stays approved, and
    # since when.
    events.record_payment(order, Payment(amount=Decimal("1.00"), received_at=utcnow(), is_prepayment=True,
                                         fully_paid=False), actor=None)
    events.review_overdue(order, ReviewOverdue(step_id=1, department="finance", kind=OverdueKind.ESCALATION,
                                               level=1, due_at=utcnow(), new_due_at=None))
    change = OrderChange(None, 2, requested_date=order.requested_date + timedelta(days=7))
    events.request_change(order, change, actor=None)
    assert audit_actions(order)[-2:] == ["change_requested", "change_applied"]
    assert (order.status, order.status_changed_at) == (OrderStatus.APPROVED, approved_at)

    for step, status in ((lambda: events.start_production(order, actor=None), OrderStatus.IN_PRODUCTION),
                         (lambda: events.ship(order, actor=None), OrderStatus.SHIPPED),
                         (lambda: events.deliver(order, Delivery(signed_by="张三", signed_at=utcnow()), actor=None),
                          OrderStatus.COMPLETED)):  # delivered, then completed: billing is off
        before = order.status_changed_at
        step()
        assert order.status == status
        assert order.status_changed_at == last_change(order) and order.status_changed_at > before

    cancelled = orders.submitted(core_only)
    events.cancel(cancelled, "客户取消", actor=None)
    assert (cancelled.status, cancelled.status_changed_at) == (OrderStatus.CANCELLED, last_change(cancelled))
