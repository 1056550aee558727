"""Change requests: recorded against the current revision, reviewed by the same steps, applied as revision 2."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OrderStatus, OutboxMessage
from core.orders import events, revisions
from core.plugins import Manifest
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.review.change_models import ChangeRequest, ChangeStatus
from plugins.review.manifest import MANIFEST as REVIEW
from tests import factories
from tests.plugins.review.desk import Desk

DECIDERS = {"sales": "sales", "finance": "finance", "production": "production", "manager": "manager"}
RULES = Manifest(name="sample_change_rules", version="1", hooks="tests.plugins.review.sample_change_rules",
                 default_enabled=True)


def approved(desk: Desk) -> int:
    """An order placed and approved by every step: the order a change is asked for."""
    order_id = desk.place()
    approve_all(desk, order_id)
    assert desk.order(order_id).status == OrderStatus.APPROVED
    return order_id


def open_steps(desk: Desk, order_id: int) -> list[dict]:
    return [step for step in desk.reviews(order_id) if step["status"] == "open"]


def approve_all(desk: Desk, order_id: int) -> None:
    for _ in range(10):
        steps = open_steps(desk, order_id)
        if not steps:
            return
        step = steps[0]
        response = desk.api(DECIDERS.get(step["department"], "administrator")).post(
            f"/api/v1/reviews/{step['id']}/decision", json={"decision": "approve"})
        assert response.status_code == 200, response.get_json()
    raise AssertionError("the review did not end")


def ask(desk: Desk, order_id: int, body: dict, role: str = "sales"):
    return desk.api(role).post(f"/api/v1/orders/{order_id}/changes", json=body)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


QUANTITY_AND_DATE = {
    "lines": [{"line_no": 1, "quantity": "15"}],
    "requested_date": (date.today() + timedelta(days=30)).isoformat(),
    "reason": "客户追加数量并推迟交货",
}


def test_a_change_approved_by_every_step_makes_revision_2_and_keeps_revision_1(desk, world):
    order_id = approved(desk)
    before = desk.order(order_id)
    old_total, old_date = before.total, before.requested_date

    change = ok(ask(desk, order_id, QUANTITY_AND_DATE, role="customer_service"), 201)

    assert change["status"] == "in_review" and change["base_revision"] == 1 and change["new_revision"] == 2
    assert change["old_total"] == str(old_total)
    assert Decimal(change["new_total"]) == Decimal("2034.00")  # 15 x 120.00 + 13 % tax
    assert Decimal(change["price_difference"]) == Decimal("2034.00") - old_total
    assert change["delivery_days"] == 16
    assert [(f["field"], f["old"], f["new"]) for f in change["fields_changed"]] == [
        ("requested_date", old_date.isoformat(), QUANTITY_AND_DATE["requested_date"])]
    assert [(row["line_no"], row["old"]["quantity"], row["new"]["quantity"], row["changed"])
            for row in change["lines_changed"]] == [(1, "10", "15", ["quantity"])]
    # The same departments review it in a round of their own; the order waits at revision 1.
    assert [s["department"] for s in open_steps(desk, order_id)] == ["sales"]
    assert desk.order(order_id).revision == 1

    approve_all(desk, order_id)

    order = desk.order(order_id)
    assert order.revision == 2 and order.status == OrderStatus.APPROVED
    assert order.lines[0].quantity == Decimal("15") and order.total == Decimal("2034.00")
    assert order.requested_date.isoformat() == QUANTITY_AND_DATE["requested_date"]
    first = revisions.revision(order, 1)
    assert first is not None and first.total == old_total and first.requested_date == old_date
    assert first.lines[0]["quantity"] == "10.000"
    read = ok(desk.api("sales").get(f"/api/v1/changes/{change['id']}"))
    assert read["status"] == "applied" and read["applied_revision"] == 2
    actions = list(db.session.execute(select(AuditEntry.action).where(AuditEntry.order_id == order_id)
                                      .order_by(AuditEntry.id)).scalars())
    assert actions.count("change_requested") == 1 and actions.count("change_applied") == 1
    assert actions.index("change_requested") < actions.index("change_decided") < actions.index("change_applied")
    # The customer is told the impact.
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "change_applied")).scalar_one()
    assert mail.recipient == world.customers[0].email and "CN¥2,034.00" in mail.body
    assert change["number"] in mail.subject


def test_a_rejected_change_leaves_revision_1_untouched(desk):
    order_id = approved(desk)
    before = desk.order(order_id)
    total, quantity = before.total, before.lines[0].quantity
    change = ok(ask(desk, order_id, QUANTITY_AND_DATE), 201)

    approve_all_but = open_steps(desk, order_id)[0]
    ok(desk.api("sales").post(f"/api/v1/reviews/{approve_all_but['id']}/decision", json={"decision": "approve"}))
    finance = open_steps(desk, order_id)[0]
    rejected = desk.api("finance").post(f"/api/v1/reviews/{finance['id']}/decision",
                                        json={"decision": "reject", "reason_code": "price", "reason": "价格需重新谈判"})
    assert rejected.status_code == 200, rejected.get_json()

    order = desk.order(order_id)
    assert (order.revision, order.total, order.lines[0].quantity, order.status) == (
        1, total, quantity, OrderStatus.APPROVED)
    assert revisions.revisions(order)[0].current  # no revision was kept: none was replaced
    assert ok(desk.api("sales").get(f"/api/v1/changes/{change['id']}"))["status"] == "rejected"
    assert not open_steps(desk, order_id)
    # A new change may be asked for now.
    assert ask(desk, order_id, {"payment_terms": "monthly"}).status_code == 201


def test_a_field_the_stage_does_not_allow_is_refused_with_the_reason(desk, app):
    order_id = approved(desk)
    events.ship(desk.order(order_id), actor=None)
    commit()

    response = ask(desk, order_id, {"lines": [{"line_no": 1, "quantity": "8"}]})

    assert response.status_code == 409
    problem = response.get_json()
    assert problem["errors"][0]["field"] == "lines[0].quantity" and "already shipped" in problem["detail"]
    assert db.session.execute(select(ChangeRequest)).first() is None
    # The price of what shipped still may change.
    assert ok(ask(desk, order_id, {"lines": [{"line_no": 1, "unit_price": "110.00"}]}), 201)["status"] == "in_review"


def test_no_change_after_completion_cancellation_or_during_review(desk):
    in_review = desk.place()
    response = ask(desk, in_review, {"payment_terms": "monthly"})
    assert response.status_code == 409 and "in review" in response.get_json()["detail"]
    cancelled = approved(desk)
    events.cancel(desk.order(cancelled), "客户取消", actor=None)
    commit()
    response = ask(desk, cancelled, {"payment_terms": "monthly"})
    assert response.status_code == 409 and response.get_json()["errors"][0]["field"] == "order"


@pytest.mark.parametrize("body, status, field", [
    ({}, 400, "lines"),
    ({"lines": [{"line_no": 1, "quantity": "1.0001"}]}, 400, "lines[0].quantity"),
    ({"lines": [{"line_no": 1, "unit_price": "-1"}]}, 400, "lines[0].unit_price"),
    ({"lines": [{"line_no": 1, "quantity": "0"}]}, 400, "lines[0].quantity"),
    ({"lines": [{"line_no": 9, "quantity": "3"}]}, 400, "lines[0].line_no"),
    ({"lines": [{"quantity": "3"}]}, 400, "lines[0].product_id"),
    ({"lines": [{"product_id": 999999, "quantity": "3"}]}, 400, "lines[0].product_id"),
    ({"lines": [{"line_no": 1, "remove": True}]}, 400, "lines"),
    ({"lines": [{"line_no": 1, "quantity": "2"}, {"line_no": 1, "quantity": "3"}]}, 400, "lines[1].line_no"),
    ({"delivery_method": "teleport"}, 400, "delivery_method"),
    ({"requested_date": "2026-02-30"}, 400, "requested_date"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_recorded(desk, body, status, field):
    order_id = approved(desk)
    response = ask(desk, order_id, body)
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    assert field in [error["field"] for error in problem["errors"]], problem
    assert db.session.execute(select(ChangeRequest)).first() is None


def test_a_second_change_while_one_is_in_review_is_refused(desk):
    order_id = approved(desk)
    ok(ask(desk, order_id, {"payment_terms": "monthly"}), 201)
    response = ask(desk, order_id, {"payment_terms": "prepayment"})
    assert response.status_code == 409 and "in review already" in response.get_json()["detail"]


def test_someone_who_may_not_see_prices_may_not_set_them(desk, world):
    order_id = approved(desk)
    role = world.users["customer_service"]
    role.roles[0].grants = [grant for grant in role.roles[0].grants if grant.permission != "order.view_prices"]
    commit()
    response = ask(desk, order_id, {"lines": [{"line_no": 1, "unit_price": "90.00"}]}, role="customer_service")
    assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "lines[0].unit_price"


def test_the_customer_requests_a_change_and_acknowledges_it_once(desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"delivery_method": "pickup", "reason": "我们自提"}, role="customer"), 201)
    assert change["by_customer"] is True and change["via"] == "api"
    # Not applied yet: nothing to acknowledge.
    early = desk.api("customer").post(f"/api/v1/changes/{change['id']}/acknowledge", json={})
    assert early.status_code == 409 and early.get_json()["errors"][0]["field"] == "status"
    approve_all(desk, order_id)

    acknowledged = ok(desk.api("customer").post(f"/api/v1/changes/{change['id']}/acknowledge", json={}))

    assert acknowledged["acknowledged_at"] is not None
    assert acknowledged["acknowledged_by"]["id"] == world.customer_user.id
    twice = desk.api("customer").post(f"/api/v1/changes/{change['id']}/acknowledge", json={})
    assert twice.status_code == 409 and "already" in twice.get_json()["detail"]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "change_acknowledged")).scalar_one()
    assert entry.actor_id == world.customer_user.id
    timeline = ok(desk.api("customer").get(f"/api/v1/orders/{order_id}/timeline"))
    assert {"change_requested", "change_decided", "change_applied", "change_acknowledged"} <= {
        item["action"] for item in timeline}


def test_staff_without_the_permission_may_not_acknowledge_and_other_customers_see_nothing(desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"payment_terms": "monthly"}), 201)
    approve_all(desk, order_id)
    assert desk.api("sales").post(f"/api/v1/changes/{change['id']}/acknowledge", json={}).status_code == 403
    other = factories.user(world.company, "customer", username="other-buyer", customer_id=world.customers[1].id)
    stranger = factories.ApiClient(desk.app, other)
    assert stranger.get(f"/api/v1/changes/{change['id']}").status_code == 404
    assert stranger.post(f"/api/v1/changes/{change['id']}/acknowledge", json={}).status_code == 404
    assert stranger.post(f"/api/v1/orders/{order_id}/changes", json={"payment_terms": "monthly"}).status_code == 404


def test_prices_are_hidden_from_a_role_without_view_prices(desk):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"lines": [{"line_no": 1, "quantity": "12", "unit_price": "115.00"}]}), 201)
    seen = ok(desk.api("production").get(f"/api/v1/changes/{change['id']}"))
    assert seen["new_total"] is None and seen["price_difference"] is None and seen["old_total"] is None
    assert seen["lines_changed"][0]["old"]["unit_price"] is None
    assert seen["requested_lines"][0]["unit_price"] is None
    assert seen["lines_changed"][0]["new"]["quantity"] == "12"


def test_a_rule_sees_the_typed_change_and_can_reject_it(make_app):
    app = make_app(plugins=[INTAKE, REVIEW, RULES])
    with app.app_context():
        world = factories.build_world(app)
        desk = Desk(app, world)
        order_id = approved(desk)
        change = ok(ask(desk, order_id, {"lines": [{"line_no": 1, "quantity": "500"}]}), 201)
        # The sample rule refuses more than 100 units in a change: rejected before anyone is asked.
        assert ok(desk.api("sales").get(f"/api/v1/changes/{change['id']}"))["status"] == "rejected"
        assert desk.order(order_id).revision == 1
        from tests.plugins.review import sample_change_rules
        seen = sample_change_rules.SEEN[-1]
        assert seen.revision == 2 and seen.changed("lines") is not None
        assert seen.lines[0].quantity == Decimal("500") and seen.new_total == Decimal("67800.00")


def test_with_review_off_for_the_company_a_change_applies_at_once(make_app):
    app = make_app(plugins=[INTAKE, REVIEW])
    with app.app_context():
        world = factories.build_world(app)
        desk = Desk(app, world)
        waiting = desk.place()  # in review: keeps review's pages in use once it is switched off
        factories.set_enabled(world.company, "review", False, actor=None)
        commit()
        order_id = desk.place()
        assert desk.order(order_id).status == OrderStatus.APPROVED  # the core's fallback approved it

        change = ok(ask(desk, order_id, {"payment_terms": "monthly"}), 201)

        assert change["status"] == "applied" and change["applied_revision"] == 2
        assert desk.order(order_id).revision == 2
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "change_applied")).scalar_one()
        assert entry.note == "change_review_not_enabled"
        assert desk.order(waiting).status == OrderStatus.SUBMITTED  # the other order still waits
        assert db.session.execute(select(ChangeRequest.status)).scalar_one() == ChangeStatus.APPLIED


def test_production_answers_the_delivery_date_and_it_applies_with_the_change(desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, QUANTITY_AND_DATE), 201)
    promised = (date.today() + timedelta(days=35)).isoformat()
    path = f"/api/v1/changes/{change['id']}/promised-date"
    # Only a decider of an open step answers: sales' step is open, production's waits.
    assert desk.api("production").post(path, json={"promised_date": promised}).status_code == 403
    past = desk.api("sales").post(path, json={"promised_date": "2020-01-01"})
    assert past.status_code == 400 and past.get_json()["errors"][0]["field"] == "promised_date"

    answered = ok(desk.api("sales").post(path, json={"promised_date": promised}))

    assert answered["promised_date"] == promised and answered["promised_by"]["id"] == world.users["sales"].id
    assert desk.order(order_id).promised_date is None  # not before the change applies
    approve_all(desk, order_id)
    assert desk.order(order_id).promised_date.isoformat() == promised
    assert revisions.revision(desk.order(order_id), 1).promised_date is None
    late = desk.api("sales").post(path, json={"promised_date": promised})
    assert late.status_code == 409 and late.get_json()["errors"][0]["field"] == "status"
