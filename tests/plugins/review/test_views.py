"""Review's portal pages: the queue of steps waiting for the user and the decision form."""
from __future__ import annotations

from datetime import timedelta

from core.db import commit
from core.models import OrderStatus, utcnow
from plugins.review.models import StepStatus
from tests import factories


def test_the_queue_lists_the_steps_the_user_may_decide_late_first(app, desk, world):
    on_time = desk.place()
    late = desk.place()
    step = desk.steps(late)[0]
    step.due_at = utcnow() - timedelta(hours=2)
    commit()

    page = factories.portal_login(app, world.users["sales"]).get("/reviews")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    late_number, on_time_number = desk.order(late).number, desk.order(on_time).number
    assert html.index(late_number) < html.index(on_time_number)
    assert html.count('class="late"') == 1
    finance_page = factories.portal_login(app, world.users["finance"]).get("/reviews").get_data(as_text=True)
    assert "No review step is waiting for you." in finance_page


def test_the_queue_leaves_out_the_sales_step_of_an_order_the_user_entered(app, desk, world):
    desk.clerk = "sales"
    own = desk.place()
    desk.clerk = "customer_service"
    others = desk.place()

    clerk_queue = factories.portal_login(app, world.users["sales"]).get("/reviews").get_data(as_text=True)
    admin_queue = factories.portal_login(app, world.users["administrator"]).get("/reviews").get_data(as_text=True)

    assert desk.order(own).number not in clerk_queue and desk.order(others).number in clerk_queue
    assert desk.order(own).number in admin_queue and desk.order(others).number in admin_queue


def test_the_queue_is_closed_to_customers(app, world):
    response = factories.portal_login(app, world.users["customer"]).get("/reviews")

    assert response.status_code == 403


def test_approving_from_the_order_page_opens_the_next_step_and_returns_to_the_order(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]
    client = factories.portal_login(app, world.users["sales"])

    response = client.post(f"/reviews/{step.id}/decide", data={"decision": "approve", "version": step.version})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/orders/{order_id}")
    assert [s.status for s in desk.steps(order_id)] == [StepStatus.APPROVED, StepStatus.OPEN, StepStatus.WAITING]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is approved" in page


def test_sending_back_without_a_reason_is_refused_with_a_message(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]
    client = factories.portal_login(app, world.users["sales"])

    response = client.post(f"/reviews/{step.id}/decide", data={"decision": "send_back",
                                                                    "reason_code": "missing_information", "reason": ""},
                           follow_redirects=True)

    assert "give a reason for sending the order back" in response.get_data(as_text=True)
    assert desk.steps(order_id)[0].status == StepStatus.OPEN
    assert desk.order(order_id).status == OrderStatus.SUBMITTED


def test_sending_back_with_a_reason_returns_the_order_to_the_clerk(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]
    client = factories.portal_login(app, world.users["sales"])

    client.post(f"/reviews/{step.id}/decide", data={"decision": "send_back", "reason_code": "missing_information",
                                                           "reason": "quantity unclear"})

    assert desk.order(order_id).status == OrderStatus.DRAFT
    assert desk.steps(order_id)[0].reason == "quantity unclear"


def test_an_unknown_decision_from_the_form_is_refused(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]
    client = factories.portal_login(app, world.users["sales"])

    response = client.post(f"/reviews/{step.id}/decide", data={"decision": "maybe"}, follow_redirects=True)

    assert '<p class="flash error" role="alert">Decision: ' in response.get_data(as_text=True)
    assert desk.steps(order_id)[0].status == StepStatus.OPEN


def test_a_stale_form_is_refused_after_someone_else_decided(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]
    seen = step.version
    desk.decide("administrator", order_id, "sales", "approve")

    response = factories.portal_login(app, world.users["sales"]).post(
        f"/reviews/{step.id}/decide", data={"decision": "reject", "reason_code": "other", "reason": "duplicate",
                                            "version": seen},
        follow_redirects=True)

    assert "changed by someone else" in response.get_data(as_text=True)
    assert desk.steps(order_id)[0].status == StepStatus.APPROVED


def test_the_clerk_who_entered_an_order_is_not_offered_to_approve_its_sales_step(app, desk, world):
    desk.clerk = "sales"
    order_id = desk.place()

    clerk_page = factories.portal_login(app, world.users["sales"]).get(f"/orders/{order_id}").get_data(as_text=True)
    admin_page = factories.portal_login(app, world.users["administrator"]).get(
        f"/orders/{order_id}").get_data(as_text=True)

    assert "Decide: Sales" not in clerk_page and 'value="approve"' not in clerk_page
    assert "You entered this order: someone else approves its sales step." in clerk_page
    assert 'value="send_back"' in clerk_page  # sending it back is still theirs to do
    assert "Decide: Sales" in admin_page and 'value="approve"' in admin_page
