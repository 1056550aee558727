"""Review's portal pages: the queue of steps waiting for the user and the decision form."""
from __future__ import annotations

import re
from datetime import timedelta

from core.contracts import Severity, Verdict
from core.db import commit
from core.extensions import db
from core.models import OrderStatus, utcnow
from plugins.review.models import ReviewFinding, ReviewStep, StepStatus
from tests import factories
from tests.clones import clone_order
from tests.core.test_queries import WRITES, statements


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
    assert html.count('class="time-left time-left-late"') == 1
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


def test_the_queue_pages_its_steps_at_the_same_cost_for_few_and_many(app, desk, world):
    """The queue is a list view: a page of 50 steps, the same statements for 1 step waiting and 121."""
    order_id = desk.place()
    commit()
    admin = factories.portal_login(app, world.users["administrator"])

    def page() -> tuple[int, str]:
        admin.get("/reviews")  # the menu's count is kept from here on: the same at both sizes
        with statements(db.engine) as seen:
            response = admin.get("/reviews")
        assert response.status_code == 200
        return len(seen), response.get_data(as_text=True)

    few, small = page()
    clone_order(order_id, 120, [ReviewStep])
    commit()
    many, large = page()

    assert few == many, (few, many)
    steps = re.compile(r'href="/reviews/\d+"')
    assert len(steps.findall(small)) == 1  # the sales step is open; the others wait for it
    assert len(steps.findall(large)) == 50 and "after=" in large


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

    # Refused at the Decision field itself, not in a message at the top of another page.
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<span class="error" id="review-decision-{step.id}-decision-error1">Not a valid choice' in html
    assert 'class="flash error"' not in html
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


def test_sending_back_without_a_reason_code_keeps_the_choices_and_shows_the_error_at_the_field(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]
    client = factories.portal_login(app, world.users["sales"])

    response = client.post(f"/reviews/{step.id}/decide", data={
        "decision": "send_back", "reason_code": "", "reason": "数量不清，请客户确认", "version": step.version})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="send_back" checked' in html and 'value="approve" checked' not in html
    assert ">数量不清，请客户确认</textarea>" in html
    assert (f'<span class="error" id="review-reason-code-{step.id}-error1">'
            "choose a reason code for rejecting or sending back</span>") in html
    assert f'aria-describedby="review-reason-code-{step.id}-error1"' in html
    assert 'class="flash error"' not in html
    assert desk.steps(order_id)[0].status == StepStatus.OPEN
    assert desk.order(order_id).status == OrderStatus.SUBMITTED


def test_a_reason_code_chosen_stays_chosen_when_the_reason_is_missing(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]
    client = factories.portal_login(app, world.users["sales"])

    response = client.post(f"/reviews/{step.id}/decide", data={
        "decision": "reject", "reason_code": "missing_information", "reason": " "})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="reject" checked' in html and 'value="missing_information" selected' in html
    assert f'<span class="error" id="review-reason-{step.id}-error1">give a reason for rejecting</span>' in html


def test_a_step_s_page_offers_its_form_to_its_decider_and_reads_only_to_others(app, desk, world):
    order_id = desk.place()
    step = desk.steps(order_id)[0]

    decider = factories.portal_login(app, world.users["sales"]).get(f"/reviews/{step.id}")
    reader = factories.portal_login(app, world.users["finance"]).get(f"/reviews/{step.id}")

    assert decider.status_code == 200 and reader.status_code == 200
    assert f'action="/reviews/{step.id}/decide"' in decider.get_data(as_text=True)
    assert f'action="/reviews/{step.id}/decide"' not in reader.get_data(as_text=True)
    assert "This step is not waiting for your decision." in reader.get_data(as_text=True)
    assert factories.portal_login(app, world.users["customer"]).get(f"/reviews/{step.id}").status_code == 403


def test_a_step_s_page_issues_as_many_statements_for_many_findings_and_lines_as_for_few(app, desk, world):
    plain = desk.place()  # one line, the rules' findings of a new customer
    busy = desk.place(("P001", "10", "120.00"), ("P002", "50", "8.50"), ("P001", "3", "119.00"), customer=1)
    sales = desk.steps(busy)[0]
    for n in range(10):  # ten more findings of a company's own rule, filed under the sales step
        db.session.add(ReviewFinding(company_id=sales.company_id, order_id=busy, round=sales.round,
                                     step_id=sales.id, rule="loyalty", verdict=Verdict.APPROVE,
                                     severity=Severity.WARNING, reason_codes=["regular_customer"],
                                     message=f"note {n}", params={}))
    commit()
    assert len(desk.steps(busy)[0].findings) == len(desk.steps(plain)[0].findings) + 10
    client = factories.portal_login(app, world.users["sales"])
    counts = []
    for order_id in (plain, busy):
        step_id = desk.steps(order_id)[0].id
        client.get(f"/reviews/{step_id}")  # the menu's count, kept from here on (core.inbox.badge_counts)
        with statements(db.engine) as seen:
            response = client.get(f"/reviews/{step_id}")
        assert response.status_code == 200
        assert not [s for s in seen if s.lstrip().upper().startswith(WRITES)]
        counts.append(len(seen))

    assert counts[0] == counts[1], counts
