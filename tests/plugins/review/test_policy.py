"""Each company's review: which steps, in what order (in sequence, side by side), who decides, how many must."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.contracts import StepPolicy
from core.db import commit
from core.errors import ValidationError
from core.extensions import db
from core.models import AuditEntry, OrderStatus
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.review import policy
from plugins.review.manifest import MANIFEST as REVIEW
from plugins.review.models import ReviewDecision, ReviewStep, StepStatus
from plugins.review.policy import StepRow
from tests import factories
from tests.plugins.review import legal_steps
from tests.plugins.review.desk import Desk


def statuses(desk: Desk, order_id: int) -> dict[str, StepStatus]:
    return {s.department: s.status for s in desk.steps(order_id)}


def configure(world, *rows: StepRow) -> None:
    policy.save_steps(world.company.id, list(rows), actor=world.users["administrator"])
    commit()


def extra_user(world, role: str, username: str) -> None:
    world.users[username] = factories.user(world.company, role, username=username, name=username.title())


def test_without_settings_the_three_departments_review_in_sequence(desk):
    order_id = desk.place()

    assert [(s.department, s.sequence, s.policy, s.status) for s in desk.steps(order_id)] == [
        ("sales", 10, StepPolicy.ANY, StepStatus.OPEN), ("finance", 20, StepPolicy.ANY, StepStatus.WAITING),
        ("production", 30, StepPolicy.ANY, StepStatus.WAITING)]


def test_steps_at_the_same_position_are_reviewed_side_by_side_and_the_next_group_waits(desk, world):
    configure(world,
              StepRow("sales", "Sales", "review.decide.sales", 10, 24),
              StepRow("finance", "Finance", "review.decide.finance", 20, 24),
              StepRow("production", "Production", "review.decide.production", 20, 48),
              StepRow("manager", "Manager", "review.decide.manager", 30, 8))
    order_id = desk.place()
    assert desk.decide("sales", order_id, "sales", "approve").status_code == 200

    assert statuses(desk, order_id) == {"sales": StepStatus.APPROVED, "finance": StepStatus.OPEN,
                                        "production": StepStatus.OPEN, "manager": StepStatus.WAITING}
    assert desk.decide("production", order_id, "production", "approve").status_code == 200
    assert statuses(desk, order_id)["manager"] == StepStatus.WAITING  # finance is still deciding
    assert desk.decide("finance", order_id, "finance", "approve").status_code == 200
    assert statuses(desk, order_id)["manager"] == StepStatus.OPEN
    assert desk.decide("manager", order_id, "manager", "approve").status_code == 200
    assert desk.order(order_id).status == OrderStatus.APPROVED


def test_one_rejection_in_a_parallel_group_rejects_the_order_and_closes_the_rest(desk, world):
    configure(world, StepRow("finance", "Finance", "review.decide.finance", 10, 24),
              StepRow("production", "Production", "review.decide.production", 10, 48))
    order_id = desk.place()

    response = desk.decide("finance", order_id, "finance", "reject", "price out of policy", reason_code="price")

    assert response.status_code == 200
    assert desk.order(order_id).status == OrderStatus.REJECTED
    assert statuses(desk, order_id) == {"finance": StepStatus.REJECTED, "production": StepStatus.CLOSED}
    assert desk.decide("production", order_id, "production", "approve").status_code == 409


def test_n_of_m_needs_n_approvals_from_different_people(desk, world):
    for name in ("finance-2", "finance-3"):
        extra_user(world, "finance", name)
    configure(world, StepRow("finance", "Finance", "review.decide.finance", 10, 24, StepPolicy.QUORUM, quorum=2))
    order_id = desk.place()

    assert desk.decide("finance", order_id, "finance", "approve").status_code == 200
    step = desk.steps(order_id)[0]
    assert (step.status, step.approvals, step.required) == (StepStatus.OPEN, 1, 2)
    again = desk.decide("finance", order_id, "finance", "approve")
    assert again.status_code == 409 and "already decided" in again.get_json()["detail"]
    assert desk.steps(order_id)[0].approvals == 1  # nothing changed

    assert desk.decide("finance-3", order_id, "finance", "approve").status_code == 200
    assert desk.order(order_id).status == OrderStatus.APPROVED
    decisions = db.session.execute(select(ReviewDecision).order_by(ReviewDecision.id)).scalars().all()
    assert [(d.user_id, d.decision.value) for d in decisions] == [
        (world.users["finance"].id, "approve"), (world.users["finance-3"].id, "approve")]


def test_all_must_approve_counts_every_decider_when_the_step_opens(desk, world):
    extra_user(world, "production", "planner")
    configure(world, StepRow("production", "Production", "review.decide.production", 10, 48, StepPolicy.ALL))
    order_id = desk.place()
    # The administrator holds every permission too: production, the planner and the administrator.
    assert desk.steps(order_id)[0].required == 3

    for role in ("production", "planner"):
        assert desk.decide(role, order_id, "production", "approve").status_code == 200
    assert desk.order(order_id).status == OrderStatus.SUBMITTED
    assert desk.decide("administrator", order_id, "production", "approve").status_code == 200
    assert desk.order(order_id).status == OrderStatus.APPROVED


def test_named_users_and_roles_decide_a_step_instead_of_the_permission_holders(desk, world):
    extra_user(world, "sales", "key-account")
    configure(world, StepRow("sales", "Sales", "review.decide.sales", 10, 24,
                             users=(world.users["key-account"].id,), roles=("manager",)))
    order_id = desk.place()

    refused = desk.decide("sales", order_id, "sales", "approve")
    assert refused.status_code == 403 and refused.get_json()["detail"] == "you may not decide the Sales step"
    assert desk.decide("key-account", order_id, "sales", "approve").status_code == 200


def test_the_clerk_who_entered_an_order_cannot_approve_its_sales_step_unless_the_company_allows_it(desk, world):
    desk.clerk = "sales"
    order_id = desk.place()

    refused = desk.decide("sales", order_id, "sales", "approve")
    assert refused.status_code == 403
    assert "someone else approves its sales step" in refused.get_json()["detail"]
    assert desk.steps(order_id)[0].status == StepStatus.OPEN and not desk.steps(order_id)[0].decisions
    # Sending it back is not approving it: the clerk may still do that.
    policy.save_settings(world.company.id, allow_self_approval=True, max_discount=Decimal("0.2"),
                         actor=world.users["administrator"])
    commit()
    assert desk.decide("sales", order_id, "sales", "approve").status_code == 200


def test_a_plugin_adds_legal_review_for_orders_over_a_million_beside_finance(make_app):
    app = make_app(plugins=[INTAKE, REVIEW, legal_steps.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        world.customers[0].credit_limit = Decimal("100000000.00")
        commit()
        desk = Desk(app, world)
        small = desk.place(("P001", "10", "120.00"))
        large = desk.place(("P001", "10000", "120.00"))  # 1,356,000.00 with tax

        assert [s.department for s in desk.steps(small)] == ["sales", "finance", "production"]
        assert [(s.department, s.sequence) for s in desk.steps(large)] == [
            ("sales", 10), ("finance", 20), ("legal", 20), ("production", 30)]
        desk.decide("sales", large, "sales", "approve")
        assert statuses(desk, large)["legal"] == StepStatus.OPEN and statuses(desk, large)["finance"] == StepStatus.OPEN


def test_the_company_own_reason_codes_are_the_ones_a_reviewer_chooses_from(desk, world):
    policy.save_reasons(world.company.id, [policy.Reason("dup", "Duplicate order", "重复订单")],
                        actor=world.users["administrator"])
    commit()
    order_id = desk.place()

    unknown = desk.decide("sales", order_id, "sales", "reject", "seen it before", reason_code="credit")
    assert unknown.status_code == 400 and unknown.get_json()["errors"][0]["field"] == "reason_code"
    assert desk.decide("sales", order_id, "sales", "reject", "seen it before", reason_code="dup").status_code == 200
    step = desk.steps(order_id)[0]
    assert (step.reason_code, step.reason) == ("dup", "seen it before")
    with force_locale("zh_Hans_CN"):
        assert policy.reason_label(world.company.id, "dup") == "重复订单"
    assert policy.reason_label(world.company.id, "dup") == "Duplicate order"


def test_saving_steps_refuses_bad_rows_and_changes_nothing(desk, world):
    admin = world.users["administrator"]
    for rows, field in (
        ([StepRow("Sales!", "Sales", "review.decide.sales", 10, 24)], "department"),
        ([StepRow("sales", "Sales", "review.decide.sales", 10, 0)], "hours"),
        ([StepRow("sales", "Sales", "review.decide.sales", 10, 24, StepPolicy.QUORUM, quorum=0)], "quorum"),
        ([StepRow("sales", "S", "review.decide.sales", 10, 24), StepRow("sales", "S", "p", 20, 24)], "department"),
        ([StepRow("sales", "Sales", "review.decide.sales", 10, 24, users=(999999,))], "users"),
    ):
        with pytest.raises(ValidationError) as refused:
            policy.save_steps(world.company.id, rows, actor=admin)
        assert refused.value.field == field
        db.session.rollback()
    assert [r.department for r in policy.step_rows(world.company.id)] == ["sales", "finance", "production"]


def test_review_switched_off_for_one_company_approves_there_while_another_company_waits(make_app):
    app = make_app(plugins=[INTAKE, REVIEW])
    with app.app_context():
        reviewing = Desk(app, factories.build_world(app, "ACME"))
        direct = Desk(app, factories.build_world(app, "XYZ", modules={"review": False}))

        waiting = reviewing.place()
        approved = direct.place()

        assert reviewing.order(waiting).status == OrderStatus.SUBMITTED
        assert direct.order(approved).status == OrderStatus.APPROVED
        assert db.session.execute(select(ReviewStep).where(ReviewStep.order_id == approved)).first() is None
        note = db.session.execute(select(AuditEntry.note).where(
            AuditEntry.order_id == approved, AuditEntry.action == "review_decided")).scalar_one()
        assert note == "review_not_enabled"
