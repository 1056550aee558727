"""The clerk's pages: enter an order in the portal, re-check it, submit it; who sees what on the order page."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.inbox import PAGE_SIZE
from core.models import AuditEntry, Order, OrderStatus
from plugins.intake import services
from plugins.intake.manifest import MANIFEST
from tests import factories
from tests.factories import portal_login
from tests.plugins.intake import credit_hold
from tests.plugins.intake.helpers import draft, next_week


def form_data(world, **overrides) -> dict[str, str]:
    data = {
        "customer_id": str(world.customers[0].id), "channel": "phone", "customer_reference": "电话 0927",
        "requested_date": next_week().isoformat(), "delivery_method": "freight", "payment_terms": "",
        "lines-0-product_id": str(world.products[0].id), "lines-0-quantity": "2", "lines-0-unit_price": "",
        "lines-1-product_id": "0", "lines-1-quantity": "", "lines-1-unit_price": "",
        "lines-2-product_id": str(world.products[1].id), "lines-2-quantity": "50", "lines-2-unit_price": "7.80",
    }
    data.update(overrides)
    return data


def only_order() -> Order:
    return db.session.execute(select(Order)).scalar_one()


def test_a_clerk_enters_an_order_in_the_portal_and_submits_it(app, world):
    client = portal_login(app, world.users["sales"])
    page = client.get("/orders/new").get_data(as_text=True)
    assert 'name="lines-0-product_id"' in page and 'name="lines-1-product_id"' not in page  # one row to start
    assert 'name="add_line"' in page  # and as many more as the clerk adds

    created = client.post("/orders/new", data=form_data(world))

    order = only_order()
    assert created.status_code == 302 and created.headers["Location"].endswith(f"/orders/{order.id}")
    assert order.status == OrderStatus.DRAFT and order.customer_reference == "电话 0927"
    assert [(line.description, line.quantity, line.unit_price) for line in order.lines] == [
        ("不锈钢阀门 DN50", Decimal("2.000"), Decimal("120.00")), ("耐高温密封圈", Decimal("50.000"), Decimal("7.80"))]
    detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Submit for review" in detail and "Edit the draft" in detail

    submitted = client.post(f"/orders/{order.id}/submit", follow_redirects=True)

    page = submitted.get_data(as_text=True)
    db.session.expire_all()
    number = only_order().number
    today = world.company.today()
    assert number == f"SO{today:%Y%m%d}-0001"
    assert f"Order {number} is submitted" in page
    assert 'class="status status-approved"' in page and "Submit for review" not in page
    assert "approved automatically: the review module is not enabled" in page  # the timeline


def test_a_form_without_any_line_is_shown_again_with_the_problem(app, world):
    client = portal_login(app, world.users["sales"])

    response = client.post("/orders/new", data=form_data(
        world, **{"lines-0-product_id": "0", "lines-0-quantity": "", "lines-2-product_id": "0",
                  "lines-2-quantity": "", "lines-2-unit_price": ""}))

    assert response.status_code == 200
    assert "Enter at least one line." in response.get_data(as_text=True)
    assert db.session.execute(select(Order)).first() is None


def test_a_quantity_without_a_product_and_nonsense_figures_are_marked_on_their_row(app, world):
    client = portal_login(app, world.users["sales"])

    response = client.post("/orders/new", data=form_data(
        world, **{"lines-1-quantity": "3", "lines-0-quantity": "sNaN", "lines-2-unit_price": "-1"}))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose the product for this quantity." in page
    assert "Not a valid decimal value." in page
    assert "Number must be at least 0." in page
    assert db.session.execute(select(Order)).first() is None


def test_a_quantity_of_0_is_marked_on_its_row_and_nothing_is_saved(app, world):
    client = portal_login(app, world.users["sales"])

    response = client.post("/orders/new", data=form_data(world, **{"lines-0-quantity": "0"}))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<span class="error" id="lines-0-quantity-error1">The quantity must be greater than 0.</span>' in page
    assert db.session.execute(select(Order)).first() is None


def test_a_draft_is_edited_in_the_portal(app, world):
    order = draft(world)
    client = portal_login(app, world.users["customer_service"])
    assert 'value="2.000"' in client.get(f"/orders/{order.id}/edit").get_data(as_text=True)

    response = client.post(f"/orders/{order.id}/edit", data=form_data(
        world, notes="仓库自提前电话", **{"lines-2-product_id": "0", "lines-2-quantity": "",
                                          "lines-2-unit_price": ""}))

    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Order, order.id)
    assert edited.notes == "仓库自提前电话" and len(edited.lines) == 1
    assert "Changed: " in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_a_customer_sees_only_their_own_orders(app, world):
    mine = services.submit(draft(world, customer_id=world.customers[0].id, customer_reference="MINE-1"),
                           world.users["sales"])
    theirs = services.submit(draft(world, customer_id=world.customers[1].id, customer_reference="THEIRS-1"),
                             world.users["sales"])
    db.session.commit()
    buyer = portal_login(app, world.users["customer"])

    listing = buyer.get("/orders").get_data(as_text=True)

    assert f"/orders/{mine.id}\"" in listing and f"/orders/{theirs.id}\"" not in listing
    assert buyer.get(f"/orders/{theirs.id}").status_code == 404
    assert buyer.get(f"/orders/{theirs.id}/documents/confirmation").status_code == 404


def test_the_inbox_lists_drafts_waiting_to_be_submitted(app, world):
    order = draft(world)

    sales = portal_login(app, world.users["sales"]).get("/inbox").get_data(as_text=True)
    production = portal_login(app, world.users["production"]).get("/inbox").get_data(as_text=True)

    assert f"Re-check and submit draft order #{order.id} (上海华东机电有限公司)" in sales
    assert f"/orders/{order.id}" in sales and f"/orders/{order.id}" not in production


def test_an_inbox_of_many_drafts_pages_them_oldest_first_and_leads_to_the_list_of_all(app, world):
    drafts = [draft(world) for _ in range(PAGE_SIZE + 2)]
    clerk = portal_login(app, world.users["sales"])

    first = clerk.get("/inbox").get_data(as_text=True)
    second = clerk.get("/inbox?page=2").get_data(as_text=True)

    assert first.count("Re-check and submit draft order #") == PAGE_SIZE
    assert all(f"Re-check and submit draft order #{order.id} " in first for order in drafts[:PAGE_SIZE])
    assert [f"#{order.id} " in second for order in drafts[PAGE_SIZE:]] == [True, True]
    assert second.count("Re-check and submit draft order #") == 2
    assert '<a href="/inbox?page=2" rel="next">' in first and '<a href="/inbox?page=1" rel="prev">' in second
    # How many there are, and where all of them are listed.
    assert '<a href="/orders?status=draft">Draft orders to re-check and submit</a>' in first
    assert f'<span class="count" aria-label="{PAGE_SIZE + 2} tasks">{PAGE_SIZE + 2}</span>' in first


def test_a_price_or_quantity_with_more_places_than_stored_is_refused_on_its_row_not_rounded(app, world):
    client = portal_login(app, world.users["sales"])

    response = client.post("/orders/new", data=form_data(
        world, **{"lines-0-quantity": "1.0005", "lines-2-unit_price": "7.805"}))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "must have at most 3 decimal places; it is not rounded" in page
    assert "must have at most 2 decimal places; it is not rounded" in page
    assert db.session.execute(select(Order)).first() is None


def test_an_order_of_twelve_lines_is_saved_whole(app, world):
    client = portal_login(app, world.users["sales"])
    lines = {}
    for index in range(12):
        lines.update({f"lines-{index}-product_id": str(world.products[index % 2].id),
                      f"lines-{index}-quantity": str(index + 1), f"lines-{index}-unit_price": ""})
    data = {key: value for key, value in form_data(world).items() if not key.startswith("lines-")}

    assert client.post("/orders/new", data={**data, **lines}).status_code == 302

    order = only_order()
    assert [line.quantity for line in order.lines] == [Decimal(n) for n in range(1, 13)]


def test_every_error_is_shown_in_one_pass_next_to_its_own_row(app, world):
    client = portal_login(app, world.users["sales"])

    response = client.post("/orders/new", data=form_data(world, **{
        "customer_id": "", "customer_id-text": "nobody",
        "lines-0-quantity": "1.0001", "lines-1-quantity": "3", "lines-2-unit_price": "7.805",
        "lines-3-product_id-text": "不存在的产品", "lines-3-quantity": "1"}))

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and db.session.execute(select(Order)).first() is None
    for field_id, message in [
        ("customer_id", "No customer matches “nobody”."),
        ("lines-0-quantity", "must have at most 3 decimal places; it is not rounded"),
        ("lines-1-quantity", "Choose the product for this quantity."),
        ("lines-2-unit_price", "must have at most 2 decimal places; it is not rounded"),
        ("lines-3-product_id", "No product matches “不存在的产品”."),
    ]:
        assert f'<span class="error" id="{field_id}-error1">{message}</span>' in page, field_id
        assert f'aria-describedby="{field_id}-error1"' in page or f'-hint {field_id}-error1"' in page, field_id
        assert f'href="#{field_id}' in page  # and listed, with a link, in the summary at the top
    assert 'class="error-summary"' in page


def test_without_javascript_add_a_line_and_remove_re_render_the_form(app, world):
    client = portal_login(app, world.users["sales"])

    added = client.post("/orders/new", data=form_data(world, add_line="1")).get_data(as_text=True)
    assert 'name="lines-3-product_id"' in added and db.session.execute(select(Order)).first() is None
    # the rows are quoted as they are: line 1, 2 × 120.00, before tax as the subtotal is
    assert '<output data-amount="lines-0">240.00</output>' in added

    removed = client.post("/orders/new", data=form_data(world, remove_line="lines-0")).get_data(as_text=True)
    assert 'name="lines-0-product_id"' not in removed and 'name="lines-2-product_id"' in removed


# --- the checks beside their fields, at save and in the live quote; submitting from the form --------------


def beside(page: str, field_id: str) -> list[str]:
    """The messages shown next to input ``field_id``, each named in the input's aria-describedby."""
    found = re.findall(rf'<span class="error" id="{re.escape(field_id)}-error(\d+)">(.*?)</span>', page)
    for number, _message in found:
        assert re.search(rf'aria-describedby="[^"]*\b{re.escape(field_id)}-error{number}\b', page), field_id
    return [html.unescape(message) for _number, message in found]


def orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.execute(select(Order)).scalars())


def test_a_draft_saved_with_a_past_date_opens_again_with_the_check_beside_the_date(app, world):
    client = portal_login(app, world.users["sales"])
    yesterday = world.company.today() - timedelta(days=1)

    saved = client.post("/orders/new", data=form_data(world, requested_date=yesterday.isoformat()))

    order = only_order()
    assert order.status == OrderStatus.DRAFT  # a draft may hold it: the clerk asks the customer
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/orders/{order.id}/edit")
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert beside(page, "requested_date") == [
        f"the requested delivery date {yesterday.isoformat()} is in the past; confirm a new date with the customer"]


def test_a_draft_saved_without_a_problem_goes_to_its_page(app, world):
    client = portal_login(app, world.users["sales"])

    saved = client.post("/orders/new", data=form_data(world))

    assert saved.headers["Location"].endswith(f"/orders/{only_order().id}")


def test_submitting_from_the_form_submits_the_order_in_one_step(app, world):
    client = portal_login(app, world.users["sales"])
    assert 'name="submit_order"' in client.get("/orders/new").get_data(as_text=True)

    sent = client.post("/orders/new", data=form_data(world, submit_order="1"))

    order = only_order()
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/orders/{order.id}")
    assert order.status == OrderStatus.APPROVED and order.number  # review is off: approved at submission
    assert f"Order {order.number} is submitted" in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_a_price_under_the_floor_is_shown_beside_the_price_and_submitting_waits_for_the_confirmation(app, world):
    client = portal_login(app, world.users["sales"])
    data = form_data(world, submit_order="1", **{"lines-2-unit_price": "5.00"})

    refused = client.post("/orders/new", data=data)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and orders() == []  # nothing saved: the form holds what was typed
    assert beside(page, "lines-2-unit_price") == [
        "line 2: the unit price is under the floor price of product P002; finance will review it"]
    assert 'name="confirm_warnings"' in page

    confirmed = client.post("/orders/new", data={**data, "confirm_warnings": "y"})

    [order] = orders()
    assert confirmed.headers["Location"].endswith(f"/orders/{order.id}") and order.status == OrderStatus.APPROVED
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "warnings_confirmed")).scalar_one()


def test_a_past_date_blocks_submitting_from_the_form_beside_the_date(app, world):
    client = portal_login(app, world.users["sales"])
    yesterday = world.company.today() - timedelta(days=1)

    refused = client.post("/orders/new", data=form_data(world, submit_order="1",
                                                        requested_date=yesterday.isoformat()))

    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and orders() == []
    assert beside(page, "requested_date") == [
        f"the requested delivery date {yesterday.isoformat()} is in the past; confirm a new date with the customer"]
    assert 'name="confirm_warnings"' not in page  # nothing to confirm: it must be corrected


def test_a_customer_on_credit_hold_is_a_warning_beside_the_customer_the_clerk_confirms(make_app):
    app = make_app(plugins=[MANIFEST, credit_hold.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        credit_hold.HELD.clear()
        credit_hold.HELD["C001"] = "上海华东机电有限公司 is on credit hold: 2 invoice(s) unpaid"
        try:
            client = portal_login(app, world.users["sales"])
            warned = client.post("/orders/new", data=form_data(world, submit_order="1")).get_data(as_text=True)
            assert orders() == []  # not submitted until the clerk confirms the warning
            saved = client.post("/orders/new", data=form_data(world))
            edit = client.get(saved.headers["Location"]).get_data(as_text=True)
            confirmed = client.post("/orders/new", data=form_data(world, submit_order="1", confirm_warnings="y",
                                                                  confirm_duplicate="y"))
            draft_order, taken = sorted(orders(), key=lambda order: order.id)
            statuses = (draft_order.status, taken.status)
        finally:
            credit_hold.HELD.clear()
            credit_hold.ASKED.clear()

    hold = "上海华东机电有限公司 is on credit hold: 2 invoice(s) unpaid"
    assert beside(warned, "customer_id") == [hold]
    assert 'name="confirm_warnings"' in warned  # a warning: the clerk may confirm it
    assert beside(edit, "customer_id") == [hold]
    assert 'value="C001 上海华东机电有限公司"' in edit  # the pick stays in its input beside the message
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    assert statuses == (OrderStatus.DRAFT, OrderStatus.APPROVED)  # taken: review and the gates hold it


def test_a_possible_duplicate_is_shown_beside_its_confirmation_when_submitting_from_the_form(app, world):
    client = portal_login(app, world.users["sales"])
    client.post("/orders/new", data=form_data(world))

    again = client.post("/orders/new", data=form_data(world, submit_order="1"))

    page = again.get_data(as_text=True)
    assert again.status_code == 200 and len(orders()) == 1
    [message] = beside(page, "confirm_duplicate")
    assert "this may be the same order twice" in message


def quote_checks(client, path: str, data: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    response = client.post(path, data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["checks"]


def test_the_live_quote_shows_a_past_date_and_a_price_under_the_floor_beside_their_inputs(app, world):
    client = portal_login(app, world.users["sales"])
    yesterday = world.company.today() - timedelta(days=1)

    found = quote_checks(client, "/orders/new/quote", form_data(
        world, requested_date=yesterday.isoformat(), **{"lines-2-unit_price": "5.00"}))

    assert found == {
        "requested_date": [{"severity": "blocking", "message": f"the requested delivery date {yesterday.isoformat()} "
                            "is in the past; confirm a new date with the customer"}],
        "lines-2-unit_price": [{"severity": "warning", "message": "line 2: the unit price is under the floor price "
                                "of product P002; finance will review it"}],
    }
    assert quote_checks(client, "/orders/new/quote", form_data(world)) == {}
    assert orders() == []  # the quote reads, never writes


def test_the_live_quote_shows_a_credit_hold_beside_the_customer_as_a_warning(make_app):
    app = make_app(plugins=[MANIFEST, credit_hold.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        credit_hold.HELD.clear()
        credit_hold.HELD["C002"] = "北京燕山化工股份公司 is on credit hold: 1 invoice(s) unpaid"
        try:
            client = portal_login(app, world.users["sales"])
            found = quote_checks(client, "/orders/new/quote", {"customer_id": str(world.customers[1].id),
                                                               "requested_date": ""})
        finally:
            credit_hold.HELD.clear()
            credit_hold.ASKED.clear()

    assert found == {"customer_id": [{"severity": "warning",
                                      "message": "北京燕山化工股份公司 is on credit hold: 1 invoice(s) unpaid"}]}


def test_the_live_quote_shows_a_possible_duplicate_but_not_the_draft_being_edited(app, world):
    client = portal_login(app, world.users["sales"])
    first = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 2},
                                {"product_id": world.products[1].id, "quantity": 50, "unit_price": "7.80"}])

    found = quote_checks(client, "/orders/new/quote", form_data(world))

    [(field_id, [note])] = found.items()
    assert field_id == "customer_id" and note["severity"] == "warning"
    assert f"order {first.display_number} is for the same customer with the same lines" in note["message"]
    assert quote_checks(client, f"/orders/{first.id}/quote", form_data(world)) == {}


def test_the_live_quote_of_an_order_the_user_may_not_see_is_not_found(app, world):
    client = portal_login(app, world.users["sales"])
    assert client.post("/orders/999999/quote", data=form_data(world)).status_code == 404

