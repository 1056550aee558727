"""The review procedure: departments in turn, rules, decisions, rounds and one winner per step."""
from __future__ import annotations

import os
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import commit
from core.errors import Conflict, PermissionDenied, ValidationError
from core.extensions import db
from core.models import AuditEntry, OrderStatus
from core.orders import actions
from core.plugins import Manifest
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.review import services
from plugins.review.manifest import MANIFEST as REVIEW
from plugins.review.models import ReviewFinding, ReviewStep, StepStatus
from plugins.review.services import StepDecision
from tests import factories
from tests.plugins.review.desk import Desk


def review_decided_count(order_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(AuditEntry)
        .where(AuditEntry.order_id == order_id, AuditEntry.action == "review_decided")
    ).scalar_one()


def statuses(desk, order_id: int, round_: int = 1) -> dict[str, StepStatus]:
    return {s.department: s.status for s in desk.steps(order_id) if s.round == round_}


def test_a_submitted_order_goes_to_sales_first_while_finance_and_production_wait(desk):
    order_id = desk.place()

    steps = desk.steps(order_id)
    assert [(s.department, s.sequence, s.hours, s.status) for s in steps] == [
        ("sales", 10, 24, StepStatus.OPEN),
        ("finance", 20, 24, StepStatus.WAITING),
        ("production", 30, 48, StepStatus.WAITING),
    ]
    sales = steps[0]
    assert sales.due_at - sales.opened_at == timedelta(hours=24)
    assert [s.permission for s in steps] == [
        "review.decide.sales", "review.decide.finance", "review.decide.production"]
    assert desk.order(order_id).status == OrderStatus.SUBMITTED


def test_finance_rejects_an_order_priced_under_the_floor_price(desk):
    order_id = desk.place(("P001", "10", "90.00"), ("P002", "100", "8.00"))

    order = desk.order(order_id)
    assert order.status == OrderStatus.REJECTED
    by_department = {s.department: s for s in desk.steps(order_id)}
    finance = by_department["finance"]
    assert finance.status == StepStatus.REJECTED
    assert finance.decided_by_id is None and finance.decided_at is not None
    assert "P001" in finance.reason and "P002" not in finance.reason
    assert by_department["sales"].status == StepStatus.CLOSED
    assert by_department["production"].status == StepStatus.CLOSED

    finding = db.session.execute(select(ReviewFinding).where(ReviewFinding.order_id == order_id,
                                                             ReviewFinding.rule == "floor_price")).scalar_one()
    assert (finding.rule, finding.verdict.value, finding.reason_codes) == (
        "floor_price", "reject", ["price_below_floor"])
    assert finding.params == {"products": "P001"}  # what the reason's label is about, in every language
    assert finding.step_id == finance.id
    decided = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order_id, AuditEntry.action == "review_decided")
    ).scalar_one()
    assert decided.after["outcome"] == "rejected"
    assert decided.after["reasons"] == ["price_below_floor"] and decided.after["rules"] == ["floor_price"]
    assert decided.note == "rejected_by_rules"  # a code, shown through a label on the timeline
    assert decided.actor_id is None


def test_an_order_at_the_floor_price_passes_the_price_rule(desk):
    order_id = desk.place(("P001", "10", "100.00"))

    assert desk.order(order_id).status == OrderStatus.SUBMITTED
    assert db.session.execute(select(ReviewFinding).where(
        ReviewFinding.order_id == order_id, ReviewFinding.rule.in_(("floor_price", "discount")))).first() is None


def test_an_order_over_the_customers_credit_limit_needs_the_manager(desk, world):
    world.customers[0].credit_limit = Decimal("1000.00")
    commit()
    order_id = desk.place(("P001", "10", "120.00"))  # 1,356.00 with tax

    steps = desk.steps(order_id)
    assert [(s.department, s.status) for s in steps] == [
        ("sales", StepStatus.OPEN), ("manager", StepStatus.WAITING),
        ("finance", StepStatus.WAITING), ("production", StepStatus.WAITING)]
    manager = steps[1]
    assert (manager.sequence, manager.hours, manager.permission) == (15, 8, "review.decide.manager")
    finding = db.session.execute(select(ReviewFinding).where(ReviewFinding.order_id == order_id,
                                                             ReviewFinding.rule == "credit_limit")).scalar_one()
    assert (finding.rule, finding.verdict.value, finding.step_id) == ("credit_limit", "needs_step", manager.id)

    assert desk.decide("sales", order_id, "sales", "approve").status_code == 200
    assert desk.decide("sales", order_id, "manager", "approve").status_code == 403
    assert desk.decide("manager", order_id, "manager", "approve").status_code == 200
    assert statuses(desk, order_id)["finance"] == StepStatus.OPEN


def test_an_order_within_the_credit_limit_needs_no_manager(desk):
    order_id = desk.place(("P001", "10", "120.00"))  # the limit is 500,000.00

    assert "manager" not in statuses(desk, order_id)


def test_all_three_departments_approve_and_the_order_is_approved_once(desk, world):
    order_id = desk.place()

    for role in ("sales", "finance", "production"):
        response = desk.decide(role, order_id, role, "approve")
        assert response.status_code == 200, response.get_json()

    order = desk.order(order_id)
    assert order.status == OrderStatus.APPROVED
    assert order.decided_at is not None
    assert set(statuses(desk, order_id).values()) == {StepStatus.APPROVED}
    assert review_decided_count(order_id) == 1
    decided = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order_id, AuditEntry.action == "review_decided")
    ).scalar_one()
    assert decided.actor_id == world.users["production"].id
    assert decided.after["outcome"] == "approved"


def test_each_step_records_who_decided_it_in_the_audit_log(desk, world):
    order_id = desk.place()
    desk.decide("sales", order_id, "sales", "approve")

    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order_id, AuditEntry.action == "review_step_decided")
    ).scalar_one()
    assert entry.actor_id == world.users["sales"].id
    assert entry.after["department"] == "sales" and entry.after["status"] == "approved"
    sales = desk.steps(order_id)[0]
    assert sales.decided_by_id == world.users["sales"].id


def test_a_department_that_rejects_ends_the_review_with_its_reason(desk):
    order_id = desk.place()
    desk.decide("sales", order_id, "sales", "approve")

    response = desk.decide("finance", order_id, "finance", "reject", "customer owes 3 overdue invoices")

    assert response.status_code == 200
    assert desk.order(order_id).status == OrderStatus.REJECTED
    assert statuses(desk, order_id) == {
        "sales": StepStatus.APPROVED, "finance": StepStatus.REJECTED, "production": StepStatus.CLOSED}
    decided = db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order_id, AuditEntry.action == "review_decided")
    ).scalar_one()
    assert decided.after["reasons"] == ["other", "customer owes 3 overdue invoices"]  # the code, the words


def test_send_back_returns_the_order_to_draft_and_resubmission_opens_round_2(desk):
    order_id = desk.place()
    desk.decide("sales", order_id, "sales", "approve")

    response = desk.decide("finance", order_id, "finance", "send_back", "invoice title missing")

    assert response.status_code == 200
    assert response.get_json()["order_status"] == "draft"
    assert desk.order(order_id).status == OrderStatus.DRAFT
    assert statuses(desk, order_id) == {
        "sales": StepStatus.APPROVED, "finance": StepStatus.SENT_BACK, "production": StepStatus.CLOSED}
    assert review_decided_count(order_id) == 1

    desk.submit(order_id)

    steps = desk.reviews(order_id)
    assert [(s["round"], s["department"], s["status"]) for s in steps] == [
        (1, "sales", "approved"), (1, "finance", "sent_back"), (1, "production", "closed"),
        (2, "sales", "open"), (2, "finance", "waiting"), (2, "production", "waiting")]
    for role in ("sales", "finance", "production"):
        assert desk.decide(role, order_id, role, "approve").status_code == 200
    assert desk.order(order_id).status == OrderStatus.APPROVED
    assert review_decided_count(order_id) == 2  # once per round


def test_a_reason_is_required_to_reject_or_send_back(desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]

    for decision in (StepDecision.REJECT, StepDecision.SEND_BACK):
        with pytest.raises(ValidationError) as refused:
            services.decide(step, decision, "   ", actor=world.users["sales"], reason_code="credit")
        assert refused.value.field == "reason"
        with pytest.raises(ValidationError) as uncoded:
            services.decide(step, decision, "no credit", actor=world.users["sales"])
        assert uncoded.value.field == "reason_code"
        with pytest.raises(ValidationError) as unknown:
            services.decide(step, decision, "no credit", actor=world.users["sales"], reason_code="whim")
        assert unknown.value.field == "reason_code"
    assert desk.steps(order_id)[0].status == StepStatus.OPEN and not desk.steps(order_id)[0].decisions


def test_only_the_open_step_can_be_decided(desk, world):
    order_id = desk.place()
    finance = desk.steps(order_id)[1]

    with pytest.raises(Conflict, match="Finance step .* is Waiting; only an open step"):
        services.decide(finance, StepDecision.APPROVE, None, actor=world.users["finance"])


def test_a_reviewer_needs_the_permission_of_the_step(desk, world):
    order_id = desk.place()
    sales = desk.steps(order_id)[0]

    with pytest.raises(PermissionDenied, match="Decide the sales review step") as refused:
        services.decide(sales, StepDecision.APPROVE, None, actor=world.users["production"])
    assert refused.value.permissions == ("review.decide.sales",)


def test_a_cancelled_order_closes_its_review_and_its_steps_cannot_be_decided(desk, world):
    """Review's order_cancelled listener closes the steps still waiting."""
    order_id = desk.place()
    actions.cancel(desk.order(order_id), actor=world.users["manager"], reason="customer withdrew")
    commit()

    assert set(statuses(desk, order_id).values()) == {StepStatus.CLOSED}
    sales = desk.steps(order_id)[0]
    with pytest.raises(Conflict, match="is Cancelled; its review is over"):
        services.decide(sales, StepDecision.APPROVE, None, actor=world.users["sales"])


def test_two_concurrent_decisions_on_the_same_step_one_wins_the_other_conflicts(app, desk, world):
    order_id = desk.place()
    step_id = desk.steps(order_id)[0].id
    db.session.remove()

    # Two reviewers load the open step in their own sessions, as two workers would.
    with app.app_context():
        late = db.session.get(ReviewStep, step_id)
        assert late.status == StepStatus.OPEN and late.order.status == OrderStatus.SUBMITTED
        with app.app_context():
            first = db.session.get(ReviewStep, step_id)
            services.decide(first, StepDecision.APPROVE, None, actor=db.session.merge(world.users["sales"]))
            commit()
        with pytest.raises(Conflict, match="changed by someone else"):
            services.decide(late, StepDecision.REJECT, "too late", actor=db.session.merge(world.users["administrator"]),
                            reason_code="other")

    assert statuses(desk, order_id)["sales"] == StepStatus.APPROVED
    assert statuses(desk, order_id)["finance"] == StepStatus.OPEN
    decisions = db.session.execute(
        select(func.count()).select_from(AuditEntry)
        .where(AuditEntry.order_id == order_id, AuditEntry.action == "review_step_decided")
    ).scalar_one()
    assert decisions == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="needs PostgreSQL's row locks for a real race")
def test_two_reviewers_racing_on_postgresql_leave_exactly_one_decision(app, desk, world):
    order_id = desk.place()
    step_id = desk.steps(order_id)[0].id
    user_ids = [world.users["sales"].id, world.users["administrator"].id]
    db.session.remove()
    ready = threading.Barrier(2)
    outcomes: list[str] = []

    def reviewer(user_id: int, decision: StepDecision) -> None:
        from core.models import User

        with app.app_context():
            step = db.session.get(ReviewStep, step_id)
            actor = db.session.get(User, user_id)
            _ = step.order.status, step.version
            ready.wait(timeout=10)
            try:
                services.decide(step, decision, "race", actor=actor, reason_code="other")
                commit()
                outcomes.append("won")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=reviewer, args=(user_ids[0], StepDecision.APPROVE)),
               threading.Thread(target=reviewer, args=(user_ids[1], StepDecision.REJECT))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "won"]
    assert review_decided_count(order_id) <= 1
    sales = statuses(desk, order_id)["sales"]
    assert sales in (StepStatus.APPROVED, StepStatus.REJECTED)


QUALITY_PLUGIN = Manifest(name="quality", version="1.0", hooks="tests.plugins.review.sample_rules",
                          depends=("review",), default_enabled=True)


def test_hook_review_steps(make_app):
    """A plugin's review_steps add its department's step to every round, in sequence, decided in turn."""
    app = make_app(plugins=[INTAKE, REVIEW, QUALITY_PLUGIN])
    with app.app_context():
        desk = Desk(app, factories.build_world(app))
        regular = desk.place()

        steps = desk.steps(regular)
        assert [(s.department, s.status) for s in steps] == [
            ("sales", StepStatus.OPEN), ("finance", StepStatus.WAITING),
            ("quality", StepStatus.WAITING), ("production", StepStatus.WAITING)]
        quality = desk.step(regular, "quality")
        assert (quality["label"], quality["hours"]) == ("Quality", 12)

        desk.decide("sales", regular, "sales", "approve")
        desk.decide("finance", regular, "finance", "approve")
        assert statuses(desk, regular)["quality"] == StepStatus.OPEN
        # The step is decided with the permission its spec names (review.decide.production).
        assert desk.decide("finance", regular, "quality", "approve").status_code == 403
        assert desk.decide("production", regular, "quality", "approve").status_code == 200
        assert statuses(desk, regular)["production"] == StepStatus.OPEN


def test_hook_review_rules(make_app):
    """A plugin's review_rules leave their findings on the step of their department; a reject ends the round."""
    app = make_app(plugins=[INTAKE, REVIEW, QUALITY_PLUGIN])
    with app.app_context():
        desk = Desk(app, factories.build_world(app))
        regular = desk.place()

        note = [f for f in desk.step(regular, "sales")["findings"] if f["rule"] == "loyalty"]
        assert [(f["rule"], f["verdict"], f["message"]) for f in note] == [
            ("loyalty", "approve", "A regular customer since 2019.")]
        assert desk.order(regular).status == OrderStatus.SUBMITTED  # a note decides nothing

        blocked_id = desk.draft()
        desk.order(blocked_id).customer_reference = "BLOCKED"
        commit()
        desk.submit(blocked_id)

        assert desk.order(blocked_id).status == OrderStatus.REJECTED
        sales = desk.step(blocked_id, "sales")
        assert sales["status"] == "rejected" and sales["reason"] == "The customer is on the blocklist."
        assert sales["findings"][0]["reason_codes"] == ["customer_blocked"]
        assert review_decided_count(blocked_id) == 1
