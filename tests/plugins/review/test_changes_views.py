"""The change pages: the order page's panel, the change form, a change's page and the customer's acknowledgement."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from plugins.review.change_models import ChangeRequest, ChangeStatus, RequestedVia
from tests.factories import portal_login
from tests.plugins.review.test_changes import approve_all, approved, ask, ok


def test_sales_requests_a_change_from_the_order_page(app, desk, world):
    order_id = approved(desk)
    sales = portal_login(app, world.users["sales"])

    page = sales.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Request a change" in page and f"/orders/{order_id}/changes/new" in page
    form = sales.get(f"/orders/{order_id}/changes/new")
    assert form.status_code == 200 and "New quantity of line 1" in form.get_data(as_text=True)

    response = sales.post(f"/orders/{order_id}/changes/new", data={
        "lines-0-line_no": "1", "lines-0-quantity": "12", "lines-0-specification": "DN50 PN25",
        "delivery_method": "pickup", "reason": "客户自提"})

    record = db.session.execute(select(ChangeRequest)).scalar_one()
    assert response.status_code == 302 and response.location.endswith(f"/changes/{record.id}")
    assert (record.via, record.by_customer, record.status) == (RequestedVia.PORTAL, False, ChangeStatus.IN_REVIEW)
    shown = sales.get(f"/changes/{record.id}").get_data(as_text=True)
    assert record.number in shown and "DN50 PN25" in shown and "Customer pickup" in shown
    assert "1,627.20" in shown  # 12 x 120.00 + 13 % tax
    assert f"/orders/{order_id}/documents/change-request" in shown


def test_a_bad_figure_in_the_form_is_shown_and_nothing_is_recorded(app, desk, world):
    order_id = approved(desk)
    sales = portal_login(app, world.users["sales"])
    response = sales.post(f"/orders/{order_id}/changes/new",
                          data={"lines-0-line_no": "1", "lines-0-quantity": "1.00001"})
    assert response.status_code == 200 and "decimal places" in response.get_data(as_text=True)
    refused = sales.post(f"/orders/{order_id}/changes/new", data={"lines-0-line_no": "1"}, follow_redirects=True)
    assert "the change changes nothing" in refused.get_data(as_text=True)
    assert db.session.execute(select(ChangeRequest)).first() is None


def test_the_customer_sees_the_impact_in_chinese_and_acknowledges_it(app, desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"lines": [{"line_no": 1, "quantity": "15"}]}), 201)
    buyer = portal_login(app, world.customer_user)
    assert "Acknowledge the change" not in buyer.get(f"/changes/{change['id']}").get_data(as_text=True)
    approve_all(desk, order_id)

    page = buyer.get(f"/orders/{order_id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "订单变更" in page and change["number"] in page and "等待客户确认" in page
    shown = buyer.get(f"/changes/{change['id']}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "确认变更" in shown and "2,034.00" in shown and "已生效" in shown

    seen = ok(desk.api("customer").get(f"/api/v1/changes/{change['id']}"))["version"]
    response = buyer.post(f"/changes/{change['id']}/acknowledge", data={"version": str(seen)})
    assert response.status_code == 302
    db.session.expire_all()
    record = db.session.get(ChangeRequest, change["id"])
    assert record.acknowledged_by_id == world.customer_user.id
    again = buyer.get(f"/changes/{change['id']}").get_data(as_text=True)
    assert "Acknowledge the change" not in again and "Acknowledged by the customer" in again
    twice = buyer.post(f"/changes/{change['id']}/acknowledge", data={"version": str(seen)}, follow_redirects=True)
    assert "changed by someone else" in twice.get_data(as_text=True)  # its version moved with the first


def test_production_reads_the_change_without_prices(app, desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"lines": [{"line_no": 1, "quantity": "15", "unit_price": "118.00"}]}), 201)
    shown = portal_login(app, world.users["production"]).get(f"/changes/{change['id']}").get_data(as_text=True)
    assert "15" in shown and "118.00" not in shown and "2,034.00" not in shown and "Price difference" not in shown


def test_the_reviewer_of_the_open_step_records_the_promised_date_on_the_change_page(app, desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"requested_date": "2099-01-10"}), 201)
    sales = portal_login(app, world.users["sales"])
    assert "Delivery date we can promise" in sales.get(f"/changes/{change['id']}").get_data(as_text=True)
    assert "Delivery date we can promise" not in portal_login(app, world.users["production"]).get(
        f"/changes/{change['id']}").get_data(as_text=True)

    response = sales.post(f"/changes/{change['id']}/promised-date", data={"promised_date": "2099-01-20"})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChangeRequest, change["id"]).promised_date.isoformat() == "2099-01-20"


def test_a_change_is_decided_on_its_page_beside_its_diff_and_impact(app, desk, world):
    order_id = approved(desk)
    wanted = {"lines": [{"line_no": 1, "quantity": "15"}], "requested_date": "2099-03-01", "reason": "客户追加"}
    change = ok(ask(desk, order_id, wanted, role="customer_service"), 201)
    sales = portal_login(app, world.users["sales"])

    # The inbox says it is a change, and leads to the change's page.
    [task] = [t for t in desk.api("sales").get("/api/v1/tasks").get_json()["items"] if t["kind"].startswith("review")]
    assert task["kind"] == "review.change"
    assert task["title"] == f"Review change {change['number']} (Sales)"
    assert task["url"].endswith(f"/changes/{change['id']}")
    assert f'href="/changes/{change["id"]}"' in sales.get("/inbox").get_data(as_text=True)
    # The order's page sends the decider there rather than deciding the change blind.
    step = desk.step(order_id, "sales")
    order_page = sales.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f'action="/reviews/{step["id"]}/decide"' not in order_page
    assert f"Decide change {change['number']} on its page" in order_page
    assert sales.get(f"/reviews/{step['id']}").location.endswith(f"/changes/{change['id']}")

    page = sales.get(f"/changes/{change['id']}").get_data(as_text=True)
    beside = page[page.index('<div class="beside">'):]
    diff, form = beside.index("<h2>Lines</h2>"), beside.index(f'action="/reviews/{step["id"]}/decide"')
    assert diff < beside.index("<h2>Impact</h2>") < form
    assert "10 → <strong>15</strong>" in page and "2,034.00" in page and "Mar 1, 2099" in page

    response = sales.post(f"/reviews/{step['id']}/decide", data={"decision": "approve", "version": step["version"]})

    assert response.status_code == 302 and response.location.endswith(f"/changes/{change['id']}")
    assert desk.step(order_id, "sales")["status"] == "approved"
    assert "is approved" in sales.get(response.location).get_data(as_text=True)


def test_a_change_s_decision_without_a_reason_code_is_shown_again_on_the_change_s_page(app, desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"lines": [{"line_no": 1, "quantity": "15"}]}), 201)
    step = desk.step(order_id, "sales")

    response = portal_login(app, world.users["sales"]).post(f"/reviews/{step['id']}/decide", data={
        "decision": "send_back", "reason": "请说明追加原因"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert change["number"] in html and "<h2>Impact</h2>" in html
    assert 'value="send_back" checked' in html and ">请说明追加原因</textarea>" in html
    assert (f'<span class="error" id="review-reason-code-{step["id"]}-error1">'
            "choose a reason code for rejecting or sending back</span>") in html
    assert desk.step(order_id, "sales")["status"] == "open"


def test_after_an_approved_change_the_customer_s_page_shows_the_decision(app, desk, world):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, {"requested_date": "2099-03-01"}), 201)
    buyer = portal_login(app, world.customer_user)
    waiting = buyer.get(f"/changes/{change['id']}").get_data(as_text=True)
    assert "no answer from the reviewers yet" in waiting

    approve_all(desk, order_id)

    page = buyer.get(f"/changes/{change['id']}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "no answer from the reviewers yet" not in page
    decision = page[page.index('id="change-decision"'):]
    assert "Applied" in decision[:decision.index("</dd>")]
    assert "as the changed order says: " in page
    zh = buyer.get(f"/changes/{change['id']}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已生效" in zh[zh.index('id="change-decision"'):]
    assert "review-decision" not in page  # a customer decides nothing
