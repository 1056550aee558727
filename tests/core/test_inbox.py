"""The task inbox: what every plugin taking part says is waiting for a user, counted on every page, listed a
page at a time on the inbox, most urgent first, at a cost that does not grow with the tasks."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from core.db import commit
from core.defaults import essentials
from core.extensions import db
from core.inbox import MAX_LISTED, PAGE_SIZE, badge_counts
from core.models import AuditEntry, OrderStatus, User, utcnow
from core import modules
from core.modules import set_enabled
from core.plugins import discover, registry
from core.app import build_registry
from plugins.billing.invoices.models import Invoice
from plugins.billing.payments.models import BillingPayment, PaymentAllocation
from plugins.intake import services as intake
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.logistics.shipments.models import Shipment
from plugins.review.models import ReviewStep
from tests import factories, orders
from tests.clones import clone_order
from tests.core.samples.inspection.manifest import MANIFEST as INSPECTION
from tests.core.test_queries import statements
from tests.flows import Flow
from tests.inbox_answers import answer, check_counts_agree
from tests.plugins.intake.helpers import draft


def inspections(api: factories.ApiClient) -> list[tuple[str, bool]]:
    response = api.get("/api/v1/tasks")
    assert response.status_code == 200, response.get_json()
    return [(task["order_number"], task["late"]) for task in response.get_json()["items"]
            if task["kind"] == "inspection"]


def test_hook_inbox_tasks(make_app):
    """A plugin's tasks reach the inbox page and the API, late first; a plugin switched off still lists the
    work of the orders it was pinned on, and nothing once none of them is in flight."""
    app = make_app(plugins=[INTAKE, INSPECTION])  # no review: orders are approved on submission
    with app.app_context():
        world = factories.build_world(app)
        clerk, admin = world.users["sales"], world.users["administrator"]
        on_time = intake.submit(draft(world), clerk)
        late = intake.submit(draft(world), clerk)
        late.submitted_at -= timedelta(hours=30)  # due a day after submission: six hours late
        commit()
        production = factories.ApiClient(app, world.users["production"])

        assert inspections(production) == [(late.number, True), (on_time.number, False)]
        assert inspections(factories.ApiClient(app, clerk)) == []  # sales may not record inspections
        [task] = [t for t in production.get("/api/v1/tasks").get_json()["items"] if t["order_number"] == late.number]
        assert task["title"] == f"Inspect the goods of order {late.number}"
        assert task["url"].endswith(f"/orders/{late.id}")
        page = factories.portal_login(app, world.users["production"]).get("/inbox").get_data(as_text=True)
        assert f'<a href="/orders/{late.id}">Inspect the goods of order {late.number}</a>' in page

        set_enabled(world.company, "inspection", False, actor=admin)
        newer = intake.submit(draft(world), clerk)  # submitted with the plugin off: not pinned on it
        commit()
        assert {late.number, on_time.number} <= {number for number, _ in inspections(production)}

        intake.cancel(late, clerk, "客户取消")
        intake.cancel(on_time, clerk, "客户取消")
        commit()
        # The newer order is approved and uninspected, but no order in flight pins the plugin any more.
        assert newer.status == OrderStatus.APPROVED
        assert inspections(production) == []


def test_hook_inbox_count(make_app):
    """A plugin's counts make the menu's count on every page, red with how many are late, and the inbox's and
    the API's totals, kind by kind with a link to the plugin's own list."""
    app = make_app(plugins=[INTAKE, INSPECTION])
    with app.app_context():
        world = factories.build_world(app)
        clerk = world.users["sales"]
        submitted = [intake.submit(draft(world), clerk) for _ in range(3)]
        submitted[0].submitted_at -= timedelta(hours=30)
        commit()
        production = factories.portal_login(app, world.users["production"])

        account = production.get("/account").get_data(as_text=True)
        inbox = production.get("/inbox").get_data(as_text=True)
        body = factories.ApiClient(app, world.users["production"]).get("/api/v1/tasks").get_json()

    assert re.search(r'Inbox <span class="count late" aria-label="3 tasks, 1 late" title="1 late">3</span>', account)
    assert "3 tasks are waiting for you, <span class=\"late-label\">1 late</span>." in inbox
    assert '<a href="/inspections">Goods to inspect</a>' in inbox
    assert (body["total"], body["late"]) == (3, 1)
    assert body["kinds"] == [{"kind": "inspection", "label": "Goods to inspect", "total": 3, "late": 1,
                              "url": "/inspections"}]


def test_the_cores_mark_delivered_tasks_are_counted_as_listed_at_the_same_cost_for_10_and_1000(make_app):
    """Without logistics the core asks for approved orders to be marked delivered (``core.defaults.essentials``)."""
    app = make_app(plugins=[INTAKE])
    with app.app_context():
        world = factories.build_world(app)
        order = orders.submitted(world)
        commit()
        logistics = world.users["logistics"].id
        now = utcnow()
        clone_order(order.id, 9)
        commit()
        small = answer(app, essentials, logistics, now)
        clone_order(order.id, 990)
        commit()
        large = answer(app, essentials, logistics, now)

    assert (small.counts["mark_delivered"].total, large.counts["mark_delivered"].total) == (10, 1000)
    check_counts_agree(small, now)
    check_counts_agree(large, now)
    assert small.costs == large.costs, (small.costs, large.costs)


def test_every_plugin_that_lists_inbox_tasks_counts_them():
    """The menu's count comes from ``inbox_count`` alone: a plugin that lists tasks without counting them would
    leave them out of it."""
    reg = build_registry([*discover(), INSPECTION])
    listing = {impl.plugin_name for impl in reg.pm.hook.inbox_tasks.get_hookimpls()}
    counting = {impl.plugin_name for impl in reg.pm.hook.inbox_count.get_hookimpls()}
    assert listing == counting
    assert {"intake", "review", "logistics", "billing", "inspection"} <= listing


@pytest.fixture
def busy(make_app):
    """Every stage on, and the administrator with one task of each kind from real flows: a draft to submit, a
    review step, an order to ship, a shipment to dispatch, a sign-off to record, a prepayment to confirm,
    a payment to collect. ``grow(n)`` adds n copies of each."""
    app = make_app()
    with app.app_context():
        # Every module on, also those a company switches on itself (stock).
        world = factories.build_world(app, modules={m.name: True for m in registry().modules})
        flow = Flow(app, world)
        draft_ = flow.create()
        in_review = flow.submit(flow.create())
        to_ship, to_dispatch, to_accept = (flow.submit(flow.create()) for _ in range(3))
        prepaid = flow.submit(flow.create(payment_terms="prepayment"))
        owing = flow.submit(flow.create())
        for order in (to_ship, to_dispatch, to_accept, prepaid, owing):
            flow.approve_review(order)
        flow.ok(flow.api["logistics"].post(f"/api/v1/orders/{to_dispatch['id']}/shipments"), 201)
        shipment = flow.ok(flow.api["logistics"].post(f"/api/v1/orders/{to_accept['id']}/shipments"), 201)
        flow.ok(flow.api["logistics"].post(f"/api/v1/shipments/{shipment['id']}/dispatch"))
        flow.deliver(owing, logistics=True)
        commit()
        tables = [ReviewStep, Shipment, Invoice, BillingPayment, PaymentAllocation]
        now, today = utcnow(), world.company.today()  # invoices fall due on the company's day, not UTC's

        def grow(copies: int) -> None:
            for order in (draft_, in_review, to_ship, to_dispatch, to_accept, prepaid, owing):
                # every other copy late, where the kind has a deadline
                clone_order(order["id"], copies, tables, vary={
                    "review_step": lambda n, row: {**row, "due_at": now - timedelta(hours=n % 2)},
                    "order": lambda n, row: {**row, "promised_date": (now - timedelta(days=n % 2)).date()},
                    "billing_invoice": lambda n, row: {**row, "due_date": today - timedelta(days=2 * (n % 2))},
                })
            commit()

        yield app, world, grow


def _page_statements(client, path: str) -> tuple[int, str]:
    with statements(db.engine) as seen:
        response = client.get(path)
        text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    return len(seen), text


def test_a_page_costs_as_many_statements_with_1000_tasks_waiting_as_with_10(busy):
    """The menu's count on every page, the inbox page and the API's: the same statements for 10 tasks and 1,000
    (but billing's one for its receivables not invoiced, read when the invoiced ones do not fill the page);
    the count on a page other than the inbox lists no task."""
    app, world, grow = busy
    admin = world.users["administrator"]
    portal = factories.portal_login(app, admin)
    api = factories.ApiClient(app, admin)
    api.get("/api/v1/me")  # the token's first use is recorded once
    called: list[str] = []
    with app.app_context():
        registry_ = registry()
    undo = registry_.pm.add_hookcall_monitoring(lambda name, impls, kwargs: called.append(name),
                                                lambda outcome, name, impls, kwargs: None)
    costs = {}
    try:
        for size, copies in (("small", 1), ("large", 142)):
            with app.app_context():
                grow(copies)
            called.clear()
            costs[size] = {path: _page_statements(client, path) for path, client in (
                ("/account", portal), ("/orders", portal), ("/inbox", portal), ("/api/v1/tasks", api))}
            if size == "small":
                assert "inbox_count" in called and "inbox_tasks" in called
            called.clear()
            _page_statements(portal, "/account")
            assert "inbox_count" in called and "inbox_tasks" not in called
    finally:
        undo()

    small, large = ({path: n for path, (n, _) in costs[size].items()} for size in ("small", "large"))
    # No more for 1,000 than for 10; one fewer on the lists, where billing reads the receivables not invoiced
    # yet only when the invoiced ones do not fill the page.
    assert small == {path: large[path] + (path in ("/inbox", "/api/v1/tasks")) for path in large}, (small, large)
    total = api.get("/api/v1/tasks").get_json()["total"]
    assert total >= 7 * 144
    account, inbox = costs["large"]["/account"][1], costs["large"]["/inbox"][1]
    assert re.search(rf'<span class="count late" aria-label="{total} tasks, \d+ late"', account)
    assert inbox.count("<tr class=") == PAGE_SIZE
    assert f"{total:,} tasks are waiting for you" in inbox


def test_the_inbox_pages_its_tasks_most_urgent_first_up_to_a_limit(busy):
    """Pages follow one another without repeating or skipping a task; past the last page the inbox lists, it
    sends the user to each kind's own list, and the API refuses the page naming the limit."""
    app, world, grow = busy
    with app.app_context():
        grow(80)  # 7 x 81 = 567 tasks: more than the inbox lists
    admin = world.users["administrator"]
    api = factories.ApiClient(app, admin)
    portal = factories.portal_login(app, admin)

    body = api.get("/api/v1/tasks?per_page=200").get_json()
    seen, pages = [], [body]
    while body["next"]:
        body = api.get(body["next"]).get_json()
        pages.append(body)
    for page in pages:
        seen += page["items"]
    assert [page["page"] for page in pages] == [1, 2, 3]
    assert len(seen) == MAX_LISTED and len({(task["kind"], task["title"]) for task in seen}) == MAX_LISTED
    assert pages[0]["total"] == pages[-1]["total"] >= 7 * 81
    due = [task["due_at"] for task in seen if task["due_at"]]
    assert due == sorted(due) and seen[:len(due)] == [task for task in seen if task["due_at"]]
    whole = api.get(f"/api/v1/tasks?per_page={MAX_LISTED // 5}").get_json()
    assert whole["items"] == seen[:MAX_LISTED // 5]  # a page of another size begins the same list

    refused = api.get("/api/v1/tasks?page=4&per_page=200")
    assert refused.status_code == 400
    assert "page must be a whole number from 1 to 3" in refused.get_json()["detail"]
    assert api.get("/api/v1/tasks?per_page=0").status_code == 400

    last = portal.get(f"/inbox?page={MAX_LISTED // PAGE_SIZE}").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert f"The inbox lists the {MAX_LISTED} most urgent tasks" in last
    assert '<a href="/reviews">Order reviews to decide</a>' in last
    for wrong in ("0", "abc", "11", "9" * 40):
        response = portal.get(f"/inbox?page={wrong}")
        assert response.status_code == 400, wrong
        assert "page must be a whole number from 1 to" in response.get_data(as_text=True)


def test_the_modules_in_use_are_read_once_a_request(busy, monkeypatch):
    """Every plugin's count asks which modules the company uses: they are read once a request, with the
    signed-in user (the settings, and which modules switched off the orders in flight keep)."""
    app, world, grow = busy
    portal = factories.portal_login(app, world.users["administrator"])
    read: list[int] = []
    remember = modules.ModuleColumns.remember
    monkeypatch.setattr(modules.ModuleColumns, "remember", lambda self, company_id, values: (
        read.append(company_id), remember(self, company_id, values))[1])
    looked: list[list[str]] = []
    look = modules._pinned_on_open_orders
    monkeypatch.setattr(modules, "_pinned_on_open_orders", lambda company_id, names: (
        looked.append(names), look(company_id, names))[1])

    assert portal.get("/inbox").status_code == 200
    assert read == [world.company.id] and looked == []
    with app.app_context():
        set_enabled(world.company, "logistics", False, actor=None)
        commit()
    read.clear()
    page = portal.get("/inbox").get_data(as_text=True)
    assert read == [world.company.id] and looked == []
    assert '<a href="/orders?status=approved">Orders to ship</a>' in page  # the orders in flight keep logistics


def test_the_menu_count_is_kept_across_pages_until_something_is_written_or_it_is_old(busy):
    """Every page shows the count; counting it is the heaviest work of a page at 100,000 orders, so a process
    keeps it while nothing is written: a commit here, a new audit entry from another process, or
    ``ORDO_INBOX_BADGE_SECONDS`` passing makes the next page count again. The inbox shows the same counts over
    the tasks it lists afresh."""
    app, world, grow = busy
    app.config["ORDO_INBOX_BADGE_SECONDS"] = 30  # as in production (the tests count on every page)
    admin = world.users["administrator"]
    portal = factories.portal_login(app, admin)
    called: list[str] = []
    with app.app_context():
        registry_ = registry()
    undo = registry_.pm.add_hookcall_monitoring(lambda name, impls, kwargs: called.append(name),
                                                lambda outcome, name, impls, kwargs: None)

    def badge(path: str = "/account") -> tuple[int, bool]:
        called.clear()
        page = portal.get(path).get_data(as_text=True)
        shown = re.search(r'Inbox <span class="count[^"]*" aria-label="(\d+) tasks', page)
        assert shown, page
        return int(shown.group(1)), "inbox_count" in called

    try:
        first, counted = badge()
        assert counted and first >= 7
        assert badge() == (first, False)  # a page that writes nothing leaves it kept
        assert badge("/orders") == (first, False)
        assert badge("/inbox") == (first, False)
        assert "inbox_tasks" in called  # the tasks are listed afresh

        with app.app_context():
            grow(1)  # a commit in this process
        assert badge() == (first + 7, True)
        assert badge() == (first + 7, False)

        with app.app_context():  # an audit entry written by another process (a connection of its own)
            with db.engine.begin() as connection:
                connection.execute(AuditEntry.__table__.insert().values(
                    company_id=world.company.id, entity="order", action="noted", actor_label="system"))
        assert badge()[1] is True
        assert badge()[1] is False

        with app.app_context():
            user = db.session.get(User, admin.id)
            called.clear()
            badge_counts(user, utcnow() + timedelta(seconds=30))  # no longer recent: counted again
            assert "inbox_count" in called
    finally:
        undo()
