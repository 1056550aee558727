"""The review API: GET /api/v1/orders/{id}/reviews, POST /api/v1/reviews/{step_id}/decision, and the company's
steps with their limits (GET and PUT /api/v1/review/steps)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry
from plugins.review import policy
from tests import factories


def test_the_reviews_of_an_order_list_every_step_with_the_rules_findings(desk, world):
    world.customers[0].credit_limit = Decimal("1000.00")
    commit()
    order_id = desk.place()

    steps = desk.reviews(order_id)

    assert [(s["round"], s["department"], s["status"], s["late"]) for s in steps] == [
        (1, "sales", "open", False), (1, "manager", "waiting", False),
        (1, "finance", "waiting", False), (1, "production", "waiting", False)]
    assert all(s["order_id"] == order_id for s in steps)
    manager = steps[1]
    assert manager["permission"] == "review.decide.manager" and manager["hours"] == 8
    assert [(f["rule"], f["verdict"], f["reason_codes"]) for f in manager["findings"]] == [
        ("credit_limit", "needs_step", ["credit_limit_exceeded"])]
    # Sales is told what it could not check: no billing, no receivables; a customer with no history.
    assert [(f["rule"], f["severity"], f["reason_codes"]) for f in steps[0]["findings"]] == [
        ("receivables", "info", ["receivables_unknown"]), ("history", "info", ["new_customer"])]
    assert [s["findings"] for s in steps[2:]] == [[], []]
    sales = steps[0]
    assert sales["opened_at"] and sales["due_at"] and sales["version"] == 1  # inserted open: not changed since
    assert sales["decided_by"] is None and sales["reason"] is None


def test_a_decision_answers_with_the_step_and_the_order_status(desk, world):
    order_id = desk.place()

    response = desk.decide("sales", order_id, "sales", "approve")

    assert response.status_code == 200
    body = response.get_json()
    assert body["department"] == "sales" and body["status"] == "approved"
    assert body["decided_by"] == {"id": world.users["sales"].id, "name": world.users["sales"].name}
    assert body["order_status"] == "submitted"
    assert desk.step(order_id, "finance")["status"] == "open"


def test_the_reviews_of_an_order_are_read_with_the_order_in_one_statement_and_a_draft_has_none(desk):
    draft_id = desk.draft()
    placed_id = desk.place()
    sent: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    desk.reviews(placed_id)  # the client's token is known from here on: its statement is the same each time
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert desk.reviews(draft_id) == []
        after_draft = len(sent)
        assert [step["department"] for step in desk.reviews(placed_id)] == ["sales", "finance", "production"]
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)

    # The token's statement and one for the order with its steps, their decisions and findings.
    assert after_draft == 2 and len(sent) == 4
    assert "review_step" in sent[1] and '"order"' in sent[1]


def test_a_production_user_cannot_decide_the_finance_step(desk):
    order_id = desk.place()
    desk.decide("sales", order_id, "sales", "approve")

    response = desk.decide("production", order_id, "finance", "approve")

    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert response.get_json()["permissions"] == ["review.decide.finance"]
    assert response.get_json()["detail"] == "you need the permission “Decide the finance review step” for this"
    assert desk.step(order_id, "finance")["status"] == "open"


def test_a_decision_that_is_not_approve_reject_or_send_back_is_refused_naming_the_field(desk):
    order_id = desk.place()

    for body in ({"decision": "maybe"}, {}, {"decision": 1}):
        step = desk.step(order_id, "sales")
        response = desk.api("sales").post(f"/api/v1/reviews/{step['id']}/decision", json=body)
        assert response.status_code == 400, body
        assert response.content_type == "application/problem+json"
        assert [e["field"] for e in response.get_json()["errors"]] == ["decision"]
    assert desk.step(order_id, "sales")["status"] == "open"


def test_a_version_that_is_not_a_number_is_refused_naming_the_field(desk):
    order_id = desk.place()

    response = desk.decide("sales", order_id, "sales", "approve", version="two")

    assert response.status_code == 400
    assert [e["field"] for e in response.get_json()["errors"]] == ["version"]


def test_rejecting_without_a_reason_is_refused_naming_the_reason(desk):
    order_id = desk.place()

    response = desk.decide("sales", order_id, "sales", "reject", "", reason_code="credit")

    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"field": "reason", "message": "give a reason for rejecting"}]
    assert desk.order(order_id).status.value == "submitted"


def test_two_decisions_on_the_same_step_one_wins_the_stale_one_gets_409(desk):
    order_id = desk.place()
    seen = desk.step(order_id, "sales")

    first = desk.decide("sales", order_id, "sales", "approve", version=seen["version"])
    second = desk.api("administrator").post(
        f"/api/v1/reviews/{seen['id']}/decision",
        json={"decision": "reject", "reason": "duplicate order", "version": seen["version"]})

    assert first.status_code == 200
    assert first.get_json()["version"] > seen["version"]
    assert second.status_code == 409
    assert second.content_type == "application/problem+json"
    assert "changed by someone else" in second.get_json()["detail"]
    assert desk.step(order_id, "sales", 1)["status"] == "approved"
    assert desk.order(order_id).status.value == "submitted"


def test_a_step_of_a_decided_order_cannot_be_decided_again(desk):
    order_id = desk.place()
    sales = desk.step(order_id, "sales")
    desk.decide("sales", order_id, "sales", "send_back", "wrong customer")

    response = desk.api("sales").post(f"/api/v1/reviews/{sales['id']}/decision", json={"decision": "approve"})

    assert response.status_code == 409
    assert "is Draft; its review is over" in response.get_json()["detail"]


def test_another_companys_orders_and_steps_are_not_found(app, desk):
    order_id = desk.place()
    step = desk.step(order_id, "sales")
    other = factories.build_world(app, code="XYZ")
    outsider = factories.ApiClient(app, other.users["administrator"])

    assert outsider.get(f"/api/v1/orders/{order_id}/reviews").status_code == 404
    response = outsider.post(f"/api/v1/reviews/{step['id']}/decision", json={"decision": "approve"})
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert desk.step(order_id, "sales")["status"] == "open"


def test_a_customer_user_does_not_see_the_internal_review(desk):
    order_id = desk.place()

    response = desk.api("customer").get(f"/api/v1/orders/{order_id}/reviews")

    assert response.status_code == 403


def test_the_review_api_answers_404_for_a_company_that_switched_review_off(app):
    other = factories.build_world(app, code="XYZ", modules={"review": False})
    client = factories.ApiClient(app, other.users["administrator"])

    response = client.get("/api/v1/orders/1/reviews")

    assert response.status_code == 404
    assert response.get_json()["detail"] == "the Review module is not enabled for your company"


def test_the_review_paths_are_in_the_openapi_document(desk):
    document = desk.api("sales").get("/api/v1/openapi.json").get_json()

    assert "/api/v1/orders/{order_id}/reviews" in document["paths"]
    decision = document["paths"]["/api/v1/reviews/{step_id}/decision"]["post"]
    assert "requestBody" in decision


def test_unknown_steps_and_orders_are_not_found_however_large_the_number(desk):
    for number in (999, 2**31, 2**63):
        response = desk.api("sales").post(f"/api/v1/reviews/{number}/decision", json={"decision": "approve"})
        assert response.status_code == 404, number
        assert response.content_type == "application/problem+json"
        assert desk.api("sales").get(f"/api/v1/orders/{number}/reviews").status_code == 404


STEPS = [
    {"department": "sales", "label": "Sales", "sequence": 10, "hours": 8},
    {"department": "finance", "label": "Finance", "sequence": 20, "hours": 12, "policy": "quorum", "quorum": 2,
     "roles": ["finance", "manager"]},
    {"department": "legal", "label": "Legal", "permission": "review.decide.manager", "sequence": 30, "hours": 40,
     "enabled": False},
]


def test_the_review_steps_read_with_their_limits_the_standard_three_until_saved(desk):
    response = desk.api("administrator").get("/api/v1/review/steps")

    assert response.status_code == 200
    assert [(s["department"], s["permission"], s["sequence"], s["hours"], s["policy"], s["enabled"])
            for s in response.get_json()["steps"]] == [
        ("sales", "review.decide.sales", 10, 24, "any", True),
        ("finance", "review.decide.finance", 20, 24, "any", True),
        ("production", "review.decide.production", 30, 48, "any", True)]


def test_the_administrator_sets_the_steps_limits_and_new_orders_go_through_them(desk, world):
    admin = desk.api("administrator")

    response = admin.put("/api/v1/review/steps", json={"steps": STEPS})

    assert response.status_code == 200, response.get_json()
    saved = response.get_json()["steps"]
    assert [(s["department"], s["permission"], s["hours"], s["policy"], s["quorum"], s["roles"], s["enabled"])
            for s in saved] == [
        ("sales", "review.decide.sales", 8, "any", 1, [], True),
        ("finance", "review.decide.finance", 12, "quorum", 2, ["finance", "manager"], True),
        ("legal", "review.decide.manager", 40, "any", 1, [], False)]
    assert admin.get("/api/v1/review/steps").get_json() == response.get_json()
    order_id = desk.place()
    assert [(s["department"], s["hours"]) for s in desk.reviews(order_id)] == [("sales", 8), ("finance", 12)]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "review_steps_saved")).scalar_one()
    assert entry.actor_id == world.users["administrator"].id


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"hours": 0}, "steps[0].hours", "greater than or equal to 1"),
    ({"hours": "soon"}, "steps[0].hours", "Not a valid integer"),
    ({"department": "Sales!"}, "steps[0].department", "lower-case letters"),
    ({"policy": "most"}, "steps[0].policy", "Must be one of"),
    ({"roles": ["nobody"]}, "roles", "no such role in the company: nobody"),
    ({"users": [999999]}, "users", "no such user in the company: 999999"),
    ({"label": None}, "steps[0].label", "Field may not be null"),
])
def test_a_bad_step_is_a_400_naming_the_field_and_nothing_is_saved(desk, world, change, field, message):
    response = desk.api("administrator").put("/api/v1/review/steps", json={"steps": [{**STEPS[0], **change}]})

    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert any(error["field"] == field and message in error["message"] for error in errors), errors
    assert [r.department for r in policy.step_rows(world.company.id)] == ["sales", "finance", "production"]


def test_a_step_listed_twice_is_refused(desk):
    response = desk.api("administrator").put("/api/v1/review/steps", json={"steps": [STEPS[0], STEPS[0]]})

    assert response.status_code == 400 and "step sales is listed twice" in response.get_json()["detail"]


def test_only_who_configures_the_review_reads_or_sets_its_steps(desk):
    sales = desk.api("sales")

    for response in (sales.get("/api/v1/review/steps"), sales.put("/api/v1/review/steps", json={"steps": STEPS})):
        assert response.status_code == 403 and response.get_json()["permissions"] == ["review.configure"]
