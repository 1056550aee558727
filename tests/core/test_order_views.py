"""The core's order page: every stage's panel, the timeline, documents, prices hidden, cancelling."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import Order, OrderStatus
from core.plugins import discover
from plugins.intake import services
from plugins.intake.manifest import MANIFEST
from plugins.logistics.shipments.models import Shipment
from tests import factories
from tests.core.samples.inspection import services as inspection
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION
from tests.factories import portal_login
from tests.flows import Flow
from tests.plugins.intake.helpers import draft


@pytest.fixture
def app(make_app):
    """Intake only: every other stage falls back to the core (the "mark delivered" panel)."""
    app = make_app(plugins=[MANIFEST])
    with app.app_context():
        yield app


def test_the_order_page_hides_every_price_from_production(app, world):
    order = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 2,
                                 "unit_price": Decimal("123.45")}])

    production = portal_login(app, world.users["production"]).get(f"/orders/{order.id}").get_data(as_text=True)
    sales = portal_login(app, world.users["sales"]).get(f"/orders/{order.id}").get_data(as_text=True)

    assert "不锈钢阀门 DN50" in production and "不锈钢阀门 DN50" in sales
    assert "123.45" in sales and "Unit price" in sales and "Total" in sales
    assert "123.45" not in production and "Unit price" not in production and "Total" not in production
    assert "Submit for review" not in production  # production may not submit either


def test_the_order_page_shows_the_panels_of_the_stages_and_the_documents(app, world):
    order = services.submit(draft(world), world.users["sales"])
    db.session.commit()

    page = portal_login(app, world.users["logistics"]).get(f"/orders/{order.id}").get_data(as_text=True)

    # Logistics is off, so the core's "mark delivered" panel is on the approved order's page.
    assert '<section class="panel" id="core-mark_delivered_panel">\n  <h2>Delivery</h2>' in page
    assert f'action="/orders/{order.id}/mark-delivered"' in page
    assert f'href="/orders/{order.id}/documents/confirmation"' in page


def test_a_draft_is_cancelled_with_a_reason_once_confirmed(app, world):
    order = draft(world)
    client = portal_login(app, world.users["sales"])

    asked = client.get(f"/orders/{order.id}/cancel").get_data(as_text=True)
    without = client.post(f"/orders/{order.id}/cancel", data={"reason": "", "confirm": "y"}).get_data(as_text=True)
    unconfirmed = client.post(f"/orders/{order.id}/cancel", data={"reason": "客户撤单"}).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.DRAFT  # nothing changed, asking included

    assert 'name="confirm" required type="checkbox" value="y"' in asked
    assert f'data-confirm="Cancel order {order.display_number}? This cannot be undone."' in asked
    assert "Give a reason for cancelling." in without
    assert "Tick the box to confirm that the order is cancelled." in unconfirmed and "客户撤单" in unconfirmed

    done = client.post(f"/orders/{order.id}/cancel", data={"reason": "客户撤单", "confirm": "y"})
    assert done.status_code == 302 and done.location.endswith(f"/orders/{order.id}")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert "客户撤单" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_the_order_page_shows_the_status_bar_and_keeps_cancelling_in_the_more_menu(app, world):
    order = services.submit(draft(world), world.users["sales"])  # intake only: approved on submission
    db.session.commit()

    page = portal_login(app, world.users["sales"]).get(f"/orders/{order.id}").get_data(as_text=True)

    bar = page[page.index('<ol class="status-bar"'):page.index("</ol>")]
    # No review and no logistics pinned: neither "In review" nor "Shipped" is a step.
    assert [step.strip() for step in re.findall(r'<li[^>]*>([^<]*)</li>', bar)] == [
        "Draft", "Approved", "Signed for", "Completed"]
    assert re.search(r'<li class="step step-current"\s+aria-current="step">Approved</li>', bar)
    start = page.index('<details class="more-actions">')
    more = page[start:page.index("</details>", start)]
    assert f'<a class="button danger" href="/orders/{order.id}/cancel">Cancel the order</a>' in more


def test_the_timeline_names_every_entry_status_and_note_by_its_label(make_app):
    """Each plugin's audit actions, its entities' statuses and its notes read as labels, never as codes."""
    app = make_app(plugins=discover())
    with app.app_context():
        world = factories.build_world(app)
        order = Flow(app, world).run({"review", "logistics", "billing", "kpi"})
        client = factories.portal_login(app, world.users["finance"])
        english = client.get(f"/orders/{order['id']}").get_data(as_text=True)
        chinese = client.get(f"/orders/{order['id']}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        shipment = db.session.execute(select(Shipment)).scalar_one()
    timeline = english.split("Timeline", 1)[1]
    for name in ("Entered", "Review opened", "Review step decided", "Shipment prepared", "Shipment dispatched",
                 "Shipment signed for", "Invoice issued", "Invoice paid", "Payment received", "Completed",
                 "Draft → In review", "Open → Approved", "Prepared → Dispatched", "Issued → Paid",
                 f"shipment {shipment.number} dispatched", "Bank transfer", "delivered and paid in full"):
        assert name in timeline, name
    for code in ("shipment_created", "review_opened", "review_step_decided", "bank_transfer", "paid_in_full"):
        assert code not in timeline, code
    assert "Approved → Approved" not in timeline  # a payment before delivery leaves the status as it was
    zh = chinese.split("处理记录", 1)[1]
    for name in ("草稿 → 审核中", "待审核 → 已通过", "已备货 → 已发运", "已开具 → 已付款", "审核中 → 已通过",
                 f"发货单 {shipment.number} 已发货", "银行转账", "已签收且已全额付款"):
        assert name in zh, name
    for code in ("open", "prepared", "dispatched", "issued", "paid"):  # English words only as codes here
        assert not re.search(rf"(?<![\w-]){code}(?![\w-])", zh), code


def test_an_order_rejected_by_a_rule_names_the_rule_and_the_reason(make_app):
    app = make_app(plugins=discover())
    with app.app_context():
        world = factories.build_world(app)
        flow = Flow(app, world)
        order = flow.submit(flow.create(lines=[
            {"product_id": world.products[0].id, "quantity": "10", "unit_price": "1.00"}]))  # under the floor
        page = factories.portal_login(app, world.users["sales"]).get(
            f"/orders/{order['id']}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    timeline = page.split("处理记录", 1)[1]
    assert "审核中 → 已驳回" in timeline
    assert "被审核规则驳回" in timeline and "审核规则：底价规则" in timeline and "价格低于底价" in timeline
    assert "floor_price" not in page and "price_below_floor" not in page


def test_hook_order_panels(make_app):
    """A plugin's panel shows on the order page, in panel order, rendered with its context, to whom it chose."""
    app = make_app(plugins=[MANIFEST, INSPECTION])  # logistics absent: the core adds its "Delivery" panel
    with app.app_context():
        world = factories.build_world(app)
        order = services.submit(draft(world), world.users["sales"])
        commit()
        number = order.number

        def page(role: str) -> str:
            return portal_login(app, world.users[role]).get(f"/orders/{order.id}").get_data(as_text=True)

        waiting, sales = page("production"), page("sales")
        inspection.inspect(order, world.users["production"], "pressure test passed")
        commit()
        inspected, admin = page("production"), page("administrator")

    assert '<h2>Inspection</h2>' in waiting
    assert f"The goods of {number} wait for an inspection by Production User." in waiting
    assert "Inspected by Production User (acme-production): pressure test passed" in inspected
    assert '<h2>Inspection</h2>' not in sales  # sales may not record inspections
    assert admin.index("<h2>Inspection</h2>") < admin.index("<h2>Delivery</h2>")  # 450 before the core's 500


# --- the main next action and the "more" menu --------------------------------------------------


def _actions_of(page: str) -> tuple[str | None, list[str]]:
    """The main action's label and the labels in the "more" menu, as the page shows them."""
    if '<div class="order-actions">' not in page:
        return None, []
    block = page[page.index('<div class="order-actions">'):]
    block = block[:block.index("</div>")]
    main = re.match(r'<div class="order-actions">\s*(?:<form[^>]*>.*?)?<(?:a|button)[^>]*class="[^"]*primary[^"]*"'
                    r'[^>]*>([^<]+)<', block, re.S)
    more = block[block.index("<details"):] if "<details" in block else ""
    return (main.group(1).strip() if main else None,
            [label.strip() for label in re.findall(r'<(?:a|button)[^>]*>([^<]+)</(?:a|button)>', more)])


@pytest.fixture
def every_stage(make_app):
    app = make_app(plugins=discover())
    with app.app_context():
        world = factories.build_world(app)
        yield app, world, Flow(app, world)


def test_a_draft_offers_sales_to_submit_it_and_the_rest_in_the_more_menu(every_stage):
    app, world, flow = every_stage
    order = flow.create()

    sales = portal_login(app, world.users["sales"]).get(f"/orders/{order['id']}").get_data(as_text=True)
    production = portal_login(app, world.users["production"]).get(f"/orders/{order['id']}").get_data(as_text=True)

    assert _actions_of(sales) == ("Submit for review", ["Edit the draft", "Cancel the order"])
    main = sales[sales.index('<div class="order-actions">'):]
    # Submitting starts with the re-check summary of exactly what will be submitted.
    assert main.index(f'href="/orders/{order["id"]}/recheck"') < main.index("Submit for review")
    assert _actions_of(production) == (None, [])  # production may neither submit, edit nor cancel a draft


def test_the_open_review_step_is_the_main_action_of_whoever_decides_it(every_stage):
    app, world, flow = every_stage
    order = flow.submit(flow.create())
    sales_step = flow.open_steps(order)[0]
    assert sales_step["department"] == "sales"
    # The clerk who entered the order may not approve its sales step: the administrator does.
    flow.ok(flow.api["administrator"].post(f"/api/v1/reviews/{sales_step['id']}/decision",
                                           json={"decision": "approve"}))
    assert flow.open_steps(order)[0]["department"] == "finance"

    def actions(role: str) -> tuple[str | None, list[str]]:
        page = portal_login(app, world.users[role]).get(f"/orders/{order['id']}").get_data(as_text=True)
        return _actions_of(page)

    finance = portal_login(app, world.users["finance"]).get(f"/orders/{order['id']}").get_data(as_text=True)
    assert _actions_of(finance) == ("Decide: Finance", [])
    assert f'<a class="button primary" href="/orders/{order["id"]}#review-order_panel">' in finance
    assert '<section class="panel" id="review-order_panel">' in finance  # where the link leads
    assert actions("sales") == (None, ["Cancel the order"])  # not sales' step; it may still cancel
    assert actions("supervisor") == (None, [])  # reads everything, may do nothing


def test_an_approved_order_offers_logistics_to_ship_and_finance_to_record_a_payment(every_stage):
    app, world, flow = every_stage
    order = flow.submit(flow.create())
    flow.approve_review(order)

    def actions(role: str) -> tuple[str | None, list[str]]:
        page = portal_login(app, world.users[role]).get(f"/orders/{order['id']}").get_data(as_text=True)
        return _actions_of(page)

    assert actions("logistics") == ("Prepare shipment", [])
    assert actions("finance") == ("Record a payment", [])
    assert actions("administrator") == ("Prepare shipment", ["Record a payment", "Cancel the order"])
    flow.ok(flow.api["logistics"].post(f"/api/v1/orders/{order['id']}/shipments", json={}), 201)
    assert actions("logistics")[0].startswith("Check and dispatch ")


def test_hook_order_actions(make_app):
    """Intake alone: the core's fallbacks offer "mark delivered" as the main action and cancelling in the menu."""
    app = make_app(plugins=[MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        order_id = services.submit(draft(world), world.users["sales"]).id
        commit()
        client = portal_login(app, world.users["administrator"])
        page = client.get(f"/orders/{order_id}").get_data(as_text=True)

    assert _actions_of(page) == ("Mark delivered", ["Cancel the order"])
    assert f'href="/orders/{order_id}#core-mark_delivered_panel"' in page


def test_the_order_list_offers_a_new_order_first_with_its_key_to_who_may_enter_orders(app, world):
    page = portal_login(app, world.users["sales"]).get("/orders").get_data(as_text=True)
    actions = page[page.index('<p class="page-actions">'):]
    assert re.search(r'<a class="button" href="/orders/new" data-shortcut="n"\s+aria-keyshortcuts="n">New order',
                     actions)
    assert page.index('data-shortcut="n"') < page.index('id="list-q"')  # the first thing in the page's content

    production = portal_login(app, world.users["production"]).get("/orders").get_data(as_text=True)
    assert 'data-shortcut' not in production  # production enters no orders


def test_the_order_page_reads_amounts_and_dates_in_the_reader_s_locale_lines_and_subtotal_before_tax(app, world):
    order = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 10, "unit_price": Decimal("1234.50")},
                                {"product_id": world.products[1].id, "quantity": 1, "unit_price": Decimal("0.50")}])
    client = portal_login(app, world.users["sales"])

    english = client.get(f"/orders/{order.id}").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    chinese = client.get(f"/orders/{order.id}").get_data(as_text=True)

    net = [line.net_amount for line in order.lines]
    assert sum(net) == order.subtotal  # each line's amount is on the subtotal's basis: before tax
    for page in (english, chinese):
        assert '<td class="num">1,234.50</td>' in page and '<td class="num">12,345.00</td>' in page
        assert f'<td class="num">{order.subtotal:,.2f}</td>' in page
        assert f"<strong>{order.total:,.2f}</strong>" in page
    assert "Amount before tax" in english and "不含税金额" in chinese
    day = order.requested_date
    assert f"{day:%b} {day.day}, {day.year}" in english and f"{day.year}年{day.month}月{day.day}日" in chinese
