"""What intake contributes through hooks (permissions, menu, inbox tasks, the confirmation document),
and the stage events its submissions and cancellations fire."""
from __future__ import annotations

from datetime import timedelta

from core.companies import all_permissions
from core.contracts import Decision, Outcome
from core.db import commit
from core.documents import document_kinds
from core.inbox import tasks_for
from core.modules import hooks_for_company
from core.models import OrderStatus, utcnow
from core.orders import events
from core.portal import navigation
from plugins.intake import hooks, services, waiting
from plugins.intake.manifest import MANIFEST
from plugins.intake.models import IntakeWaiting
from tests import factories, witness
from tests.clones import clone_order
from tests.inbox_answers import answer, check_counts_agree
from tests.plugins.intake import manual_review
from tests.plugins.intake.helpers import draft


def test_clerks_may_enter_edit_and_submit_orders_and_production_may_not(world):
    defined = {p.name: set(p.default_roles) for p in all_permissions()}
    clerks = {"administrator", "sales", "customer_service"}

    assert defined["order.create"] == defined["order.submit"] == defined["order.edit"] == clerks
    for role in clerks:
        assert {"order.create", "order.submit", "order.edit"} <= world.users[role].permissions
    assert not {"order.create", "order.submit", "order.edit"} & world.users["production"].permissions


def test_the_menu_offers_new_orders_only_to_who_may_enter_them(app, world):
    with app.test_request_context():
        sales = [item.endpoint for item in navigation(world.users["sales"])]
        production = [item.endpoint for item in navigation(world.users["production"])]

    assert "intake.new_order" in sales and "orders.index" in sales  # the order list is the core's
    assert "intake.new_order" not in production and "orders.index" in production


def test_drafts_wait_in_the_inbox_of_who_may_submit_them(app, world):
    order = draft(world)

    with app.test_request_context():
        sales = [(task.kind, task.title, task.url) for task in tasks_for(world.users["sales"])]
        assert tasks_for(world.users["finance"]) == []
        assert tasks_for(world.users["customer"]) == []  # customers do not submit

    assert sales == [("intake.submit", f"Re-check and submit draft order #{order.id} (上海华东机电有限公司)",
                      f"/orders/{order.id}")]


def test_a_sent_back_order_says_so_in_the_inbox(make_app):
    app = make_app(plugins=[MANIFEST, manual_review.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        order = services.submit(draft(world), world.users["sales"])
        with app.test_request_context():
            assert tasks_for(world.users["sales"]) == []  # submitted: out of the clerk's hands
        events.decide_review(order, Decision(Outcome.SENT_BACK, reasons=("unit price below the floor",)),
                             actor=world.users["finance"])

        with app.test_request_context():
            [task] = tasks_for(world.users["sales"])

    assert task.title == f"Correct and resubmit the sent-back order {order.number} (上海华东机电有限公司)"
    assert task.order_number == order.number


def test_hook_inbox_count(app, world):
    """Drafts to submit and drafts waiting for the customer, counted as listed, never late; 10 drafts or 1,000,
    the same statements."""
    to_submit = draft(world)
    asked = draft(world)
    waiting.mark_waiting(asked, "请确认阀门规格", world.users["sales"])
    commit()
    sales = world.users["sales"].id
    now = utcnow()

    def grow(copies: int) -> None:
        clone_order(to_submit.id, copies)
        clone_order(asked.id, copies, [IntakeWaiting])
        commit()

    grow(4)
    small = answer(app, hooks, sales, now)
    grow(495)
    large = answer(app, hooks, sales, now)

    assert {kind: (count.total, count.late) for kind, count in small.counts.items()} == {
        "intake.submit": (5, 0), "intake.waiting": (5, 0)}
    assert {kind: (count.total, count.late) for kind, count in large.counts.items()} == {
        "intake.submit": (500, 0), "intake.waiting": (500, 0)}
    check_counts_agree(small, now)
    check_counts_agree(large, now)
    assert small.costs == large.costs, (small.costs, large.costs)
    assert large.page[0].url == f"/orders/{to_submit.id}"  # the oldest first
    assert large.counts["intake.submit"].url == "/orders?status=draft"
    assert answer(app, hooks, world.users["production"].id, now).counts == {}  # production does not submit


def test_every_order_offers_its_confirmation(world):
    kinds = document_kinds(draft(world))

    assert kinds["confirmation"].template == "order_confirmation.html"
    assert kinds["confirmation"].permission == "order.view"
    assert str(kinds["confirmation"].label) == "Order confirmation"


def test_hook_order_submitted(make_app):
    """Listeners get the submitted order numbered, with its modules pinned, in status submitted."""
    app = witness.watching(make_app, MANIFEST)  # review absent: the core approves the order after the event
    with app.app_context():
        world = factories.build_world(app)
        order = services.submit(draft(world), world.users["sales"])
        commit()

        [submitted] = witness.events(order.id, "order_submitted")

    assert submitted.status == OrderStatus.SUBMITTED
    assert submitted.number == order.number and order.number.startswith("SO")
    assert submitted.pinned_modules == ("intake", "witness")
    assert [event.hook for event in witness.events(order.id)] == ["order_submitted", "review_decided"]
    assert order.status == OrderStatus.APPROVED


def test_hook_order_cancelled(make_app):
    """Listeners get the cancelled order in status cancelled, with the reason the user gave."""
    app = witness.watching(make_app, MANIFEST, manual_review.MANIFEST)  # submitted orders wait in review
    with app.app_context():
        world = factories.build_world(app)
        order = services.submit(draft(world), world.users["sales"])
        commit()
        services.cancel(order, world.users["sales"], "客户改从其他供应商采购")
        commit()

        [cancelled] = witness.events(order.id, "order_cancelled")

    assert cancelled.status == OrderStatus.CANCELLED
    assert cancelled.payload == {"reason": "客户改从其他供应商采购"}
    assert [event.hook for event in witness.events(order.id)] == ["order_submitted", "order_cancelled"]


def test_hook_order_numbers(app, world):
    """Intake hands out a day's next numbers for orders written in bulk, and an order submitted that day later
    takes the number after them."""
    company = world.company
    today = company.today()
    past = today - timedelta(days=40)
    submitted = services.submit(draft(world), world.users["sales"])  # today's first number
    hooks = hooks_for_company(company.id)

    reserved = hooks.order_numbers(company=company, day=past, count=3)
    more_today = hooks.order_numbers(company=company, day=today, count=2)
    later = services.submit(draft(world), world.users["sales"])
    commit()

    assert reserved == [f"SO{past:%Y%m%d}-0001", f"SO{past:%Y%m%d}-0002", f"SO{past:%Y%m%d}-0003"]
    assert submitted.number == f"SO{today:%Y%m%d}-0001"
    assert more_today == [f"SO{today:%Y%m%d}-0002", f"SO{today:%Y%m%d}-0003"]
    assert later.number == f"SO{today:%Y%m%d}-0004"
    assert services.next_number(company, past) == f"SO{past:%Y%m%d}-0004"
