"""What review contributes to the rest of Ordo (ordo_permissions, menu_items, inbox_tasks, order_panels),
and the review_decided event that ends each round."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from core.contracts import Decision, Outcome
from core.db import commit
from core.extensions import db
from core.models import OrderStatus, utcnow
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.review import hooks, policy, services
from plugins.review.change_models import ChangeRequest
from plugins.review.manifest import MANIFEST as REVIEW
from plugins.review.models import ReviewDecision, ReviewStep, StepDecision, StepStatus
from tests import factories, witness
from tests.clones import clone_order
from tests.flows import Flow
from tests.inbox_answers import answer, check_counts_agree


def test_every_department_decides_only_its_own_step_by_default(world):
    users = world.users
    assert users["sales"].can("review.decide.sales") and not users["sales"].can("review.decide.finance")
    assert users["finance"].can("review.decide.finance") and not users["finance"].can("review.decide.production")
    assert users["production"].can("review.decide.production") and not users["production"].can("review.decide.sales")
    assert users["manager"].can("review.decide.manager")
    assert all(users["administrator"].can(f"review.decide.{d}") for d in ("sales", "finance", "production", "manager"))
    staff = ("administrator", "sales", "finance", "production", "logistics", "customer_service", "manager",
             "supervisor")
    assert all(users[role].can("review.view") for role in staff)
    assert not users["supervisor"].can("review.decide.sales")
    assert not users["customer"].can("review.view")


def test_the_open_step_waits_in_the_inbox_of_whoever_may_decide_it(desk):
    order_id = desk.place()
    number = desk.order(order_id).number

    sales_tasks = desk.api("sales").get("/api/v1/tasks").get_json()["items"]
    finance_tasks = desk.api("finance").get("/api/v1/tasks").get_json()["items"]

    review_tasks = [t for t in sales_tasks if t["kind"] == "review"]
    assert [t["title"] for t in review_tasks] == [f"Review (Sales): {number}"]
    assert review_tasks[0]["order_number"] == number
    assert review_tasks[0]["url"].endswith(f"/orders/{order_id}")
    assert review_tasks[0]["late"] is False
    assert not [t for t in finance_tasks if t["kind"] == "review"]

    desk.decide("sales", order_id, "sales", "approve")

    finance_tasks = desk.api("finance").get("/api/v1/tasks").get_json()["items"]
    assert [t["title"] for t in finance_tasks if t["kind"] == "review"] == [f"Review (Finance): {number}"]


def test_the_clerk_s_own_sales_step_waits_in_someone_else_s_inbox_not_theirs(app, desk, world):
    desk.clerk = "sales"  # the sales clerk enters the order: someone else approves its sales step
    order_id = desk.place()
    number = desk.order(order_id).number

    clerk_tasks = [t for t in desk.api("sales").get("/api/v1/tasks").get_json()["items"] if t["kind"] == "review"]
    admin_tasks = [t for t in desk.api("administrator").get("/api/v1/tasks").get_json()["items"]
                   if t["kind"] == "review"]

    assert clerk_tasks == []
    assert [t["title"] for t in admin_tasks] == [f"Review (Sales): {number}"]
    inbox = factories.portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)
    assert number not in inbox


def test_late_steps_show_as_late_in_the_inbox(app, desk, world):
    on_time = desk.place()
    late = desk.place(("P002", "50", "8.50"))
    step = desk.steps(late)[0]
    step.opened_at = utcnow() - timedelta(hours=30)
    step.due_at = step.opened_at + timedelta(hours=step.hours)
    commit()

    tasks = [t for t in desk.api("sales").get("/api/v1/tasks").get_json()["items"] if t["kind"] == "review"]

    assert [(t["order_number"], t["late"]) for t in tasks] == [
        (desk.order(late).number, True), (desk.order(on_time).number, False)]
    page = factories.portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)
    assert "late" in page and desk.order(late).number in page


def test_the_inbox_selects_in_the_database_exactly_the_steps_each_person_may_decide(desk, world):
    """Named deciders, named roles, an escalation, a decision already given, the clerk's own sales step:
    the query the inbox counts and lists with picks what ``may_decide`` and ``may_approve`` allow."""
    users = world.users
    orders = [desk.place() for _ in range(5)]
    named_user, named_role, escalated, decided, _plain = (desk.steps(order_id)[0] for order_id in orders)
    named_user.users = [users["finance"].id]
    named_role.roles = ["production", "logistics"]
    escalated.escalated_to = [users["manager"].id]
    db.session.add(ReviewDecision(company_id=world.company.id, step_id=decided.id, user_id=users["administrator"].id,
                                  decision=StepDecision.APPROVE, decided_at=utcnow()))
    desk.clerk = "sales"
    desk.place()  # the sales clerk's own order: its sales step is someone else's
    commit()

    def expected(user) -> list[int]:
        steps = db.session.execute(select(ReviewStep).where(ReviewStep.status == StepStatus.OPEN)).scalars()
        return sorted(step.id for step in steps if services.may_decide(user, step) and services.may_approve(user, step)
                      and not any(decision.user_id == user.id for decision in step.decisions))

    for allow_self_approval in (False, True):
        policy.save_settings(world.company.id, allow_self_approval=allow_self_approval,
                             max_discount=Decimal("0.2"), actor=users["administrator"])
        commit()
        for role, user in users.items():
            listed = sorted(step.id for step in services.open_steps_for(user))
            counted = sum(total for total, _late in services.count_open_steps(user, utcnow()).values())
            assert listed == expected(user) and counted == len(listed), (role, allow_self_approval)
    assert {step.id for step in services.open_steps_for(users["finance"])} >= {named_user.id}
    assert {step.id for step in services.open_steps_for(users["manager"])} >= {escalated.id}
    assert decided.id not in {step.id for step in services.open_steps_for(users["administrator"])}


def test_hook_inbox_count(app, desk, world):
    """Each kind counted as the list has it, late ones apart; 10 steps or 1,000, the same statements."""
    changed = desk.place()
    desk.decide("administrator", changed, "sales", "approve")
    desk.decide("administrator", changed, "finance", "approve")
    desk.decide("administrator", changed, "production", "approve")
    change = desk.api("sales").post(f"/api/v1/orders/{changed}/changes", json={"reason": "客户要求",
                                                                               "requested_date": "2031-01-15"})
    assert change.status_code == 201, change.get_json()
    in_review = desk.place()
    now = utcnow()
    step = desk.steps(in_review)[0]
    step.due_at = now - timedelta(hours=1)
    commit()
    late_every_third = {"review_step": lambda n, row: {**row, "due_at": now + timedelta(hours=n % 3 - 1)}}
    admin = world.users["administrator"].id

    clone_order(in_review, 7, [ReviewStep], vary=late_every_third)  # 8 order reviews, 2 change requests
    clone_order(changed, 1, [ReviewStep, ChangeRequest])
    commit()
    small = answer(app, hooks, admin, now)
    clone_order(in_review, 990, [ReviewStep], vary=late_every_third)
    commit()
    large = answer(app, hooks, admin, now)

    assert {kind: count.total for kind, count in small.counts.items()} == {"review": 8, "review.change": 2}
    assert large.counts["review"].total == 998 and large.counts["review"].late == 1 + 3 + 330
    check_counts_agree(small, now)
    check_counts_agree(large, now)
    assert small.costs == large.costs, (small.costs, large.costs)
    assert large.counts["review"].url == large.counts["review.change"].url == "/reviews"


def test_the_reviews_menu_is_shown_to_staff_and_not_to_customers(app, world):
    staff_page = factories.portal_login(app, world.users["finance"]).get("/inbox").get_data(as_text=True)
    customer_page = factories.portal_login(app, world.users["customer"]).get("/inbox").get_data(as_text=True)

    assert 'href="/reviews"' in staff_page
    assert 'href="/reviews"' not in customer_page


def test_the_order_page_shows_the_steps_findings_and_the_decision_form_to_the_decider(app, desk, world):
    order_id = desk.place(("P001", "10", "90.00"))  # rejected by the floor-price rule
    rejected_page = factories.portal_login(app, world.users["finance"]).get(f"/orders/{order_id}")
    assert rejected_page.status_code == 200
    html = rejected_page.get_data(as_text=True)
    # The finding reads by its labels, the reason's label with the products it names.
    assert "Reject</strong> · Floor price rule: priced below the floor price (P001)" in html
    assert "price_below_floor" not in html and "floor_price" not in html
    assert 'id="review-round-1"' in html
    assert "review rule" in html  # decided by the rule, not a person
    assert 'name="decision"' not in html  # nothing left to decide

    order_id = desk.place()
    sales_page = factories.portal_login(app, world.users["sales"]).get(f"/orders/{order_id}").get_data(as_text=True)
    production_page = factories.portal_login(app, world.users["production"]).get(
        f"/orders/{order_id}").get_data(as_text=True)

    step = desk.steps(order_id)[0]
    assert f'action="/reviews/{step.id}/decide"' in sales_page
    assert f'name="version" value="{step.version}"' in sales_page
    assert 'name="decision"' not in production_page  # production sees the steps, decides only its own
    assert "Production" in production_page and "Waiting" in production_page


def test_a_customer_does_not_see_the_review_panel(app, desk, world):
    order_id = desk.place(("P001", "10", "90.00"))

    page = factories.portal_login(app, world.users["customer"]).get(f"/orders/{order_id}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="review-round-1"' not in html
    assert "Priced below the floor price" not in html


def test_hook_review_decided(make_app):
    """Fired once per round, when the last step is decided or a rule rejects, on the order already in its
    new status; with review switched off, the core approves at submission and says it was automatic."""
    app = witness.watching(make_app, INTAKE, REVIEW)
    with app.app_context():
        world = factories.build_world(app)
        flow = Flow(app, world)
        approved = flow.submit(flow.create())
        flow.approve_review(approved)  # sales, then finance, then production
        sent_back = flow.submit(flow.create())
        [sales_step] = flow.open_steps(sent_back)
        flow.ok(flow.api["sales"].post(f"/api/v1/reviews/{sales_step['id']}/decision",
                                       json={"decision": "send_back", "reason_code": "missing_information",
                                             "reason": "交货地址不全"}))
        under_floor = flow.submit(flow.create(lines=[
            {"product_id": world.products[0].id, "quantity": "10", "unit_price": "90.00"}]))
        elsewhere = Flow(app, factories.build_world(app, "XYZ", modules={"review": False}))
        automatic = elsewhere.submit(elsewhere.create())
        users = {role: user.id for role, user in world.users.items()}

    [approval] = witness.events(approved["id"], "review_decided")
    assert approval.status == OrderStatus.APPROVED
    # Each step's outcome travels with the decision.
    decision = approval.payload["decision"]
    assert replace(decision, step_times=()) == Decision(Outcome.APPROVED, decided_by=users["production"], steps=(
        ("sales", "approved"), ("finance", "approved"), ("production", "approved")))
    # And each decided step's times, for the listeners that measure timeliness.
    assert [t.department for t in decision.step_times] == ["sales", "finance", "production"]
    assert decision.step_times[-1].decided_by == users["production"]
    assert all(t.opened_at <= t.decided_at and t.due_at is not None and t.due_at > t.opened_at
               for t in decision.step_times)

    [return_] = witness.events(sent_back["id"], "review_decided")
    assert return_.status == OrderStatus.DRAFT
    assert replace(return_.payload["decision"], step_times=()) == Decision(
        Outcome.SENT_BACK, reasons=("missing_information", "交货地址不全"), decided_by=users["sales"],
        steps=(("sales", "sent_back"), ("finance", "closed"), ("production", "closed")))
    assert [t.department for t in return_.payload["decision"].step_times] == ["sales"]  # the others never opened

    [rejection] = witness.events(under_floor["id"], "review_decided")  # by the price rule, at submission
    assert rejection.status == OrderStatus.REJECTED
    assert rejection.payload == {"decision": Decision(Outcome.REJECTED, reasons=("price_below_floor",),
                                                      rules=("floor_price",), steps=(
        ("sales", "closed"), ("finance", "rejected"), ("production", "closed")))}

    [fallback] = witness.events(automatic["id"], "review_decided")
    assert fallback.status == OrderStatus.APPROVED
    assert fallback.payload == {"decision": Decision(Outcome.APPROVED, reasons=("review not enabled",),
                                                     automatic=True)}
