"""Reads: a GET writes nothing, and its statement count does not grow with the order's lines or history.

Each request here runs outside the test's application context, so it gets a
session of its own and starts with nothing loaded, as it would in production.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from core import audit
from core.db import commit
from core.extensions import db
from tests import factories, orders
from tests.flows import Flow, fifty_products

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    """The SQL statements the engine sends while the block runs."""
    seen: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _order(world: factories.World, flow: Flow, *, lines: int, entries: int, delivered: bool) -> int:
    """An order with ``lines`` lines and ``entries`` audit entries more than its procedure wrote."""
    products = world.products[:lines]
    order = (orders.submitted if delivered else orders.draft)(
        world, lines=[(product, "2", None) for product in products])
    people = list(world.users.values())
    for n in range(entries):
        audit.record(company_id=world.company.id, order_id=order.id, entity="order", entity_id=order.id,
                     action="noted", actor=people[n % len(people)], note=f"call {n}")
    commit()
    if delivered:  # through review, shipping and the customer's sign-off, partly paid
        ref = {"id": order.id}
        flow.approve_review(ref)
        flow.deliver(ref, logistics=True)
        flow.ok(flow.api["finance"].post("/api/v1/payments", json={
            "order_id": order.id, "amount": "1.00", "method": "bank_transfer"}), 201)
    return order.id


@pytest.fixture
def shop(make_app):
    """A company with 50 products, orders of 1 and 50 lines, with 1 and 100 audit entries."""
    app = make_app()
    with app.app_context():
        world, flow = fifty_products(app)
        built = {}
        for delivered in (False, True):
            for lines, entries in ((1, 1), (50, 1), (1, 100), (50, 100)):
                built[delivered, lines, entries] = _order(world, flow, lines=lines, entries=entries,
                                                          delivered=delivered)
        api = factories.ApiClient(app, world.users["administrator"])
        portal = factories.portal_login(app, world.users["administrator"])
        engine = db.engine
    # The first call records the token's use; the calls measured come after it.
    api.get("/api/v1/me", buffered=True)
    return app, engine, api, portal, built


def _count(engine, call) -> list[str]:
    with statements(engine) as seen:
        response = call()
        response.close()  # as a WSGI server does once the body is sent
    assert response.status_code == 200, response.get_data(as_text=True)
    return seen


PAGES = {
    "api order": lambda api, portal, order_id: api.get(f"/api/v1/orders/{order_id}"),
    "api timeline": lambda api, portal, order_id: api.get(f"/api/v1/orders/{order_id}/timeline"),
    "portal order page": lambda api, portal, order_id: portal.get(f"/orders/{order_id}"),
}


def test_a_get_issues_as_many_statements_for_50_lines_and_100_entries_as_for_one(shop):
    app, engine, api, portal, built = shop
    counts: dict[tuple[str, bool], dict[tuple[int, int], int]] = {}
    for page, call in PAGES.items():
        for (delivered, lines, entries), order_id in built.items():
            seen = _count(engine, lambda call=call, order_id=order_id: call(api, portal, order_id))
            assert not [s for s in seen if s.lstrip().upper().startswith(WRITES)], (page, seen)
            counts.setdefault((page, delivered), {})[lines, entries] = len(seen)
    for (page, delivered), by_size in counts.items():
        assert len(set(by_size.values())) == 1, (page, "delivered" if delivered else "draft", by_size)


def test_the_token_holder_is_loaded_in_one_statement_and_their_permissions_in_one_more(shop):
    app, engine, api, portal, built = shop
    seen = _count(engine, lambda: api.get(f"/api/v1/orders/{built[False, 1, 1]}"))
    assert "FROM api_token" in seen[0] and "JOIN company" in seen[0], seen[0]
    assert len([s for s in seen if "FROM api_token" in s]) == 1
    # Their permissions are names, asked once, not their roles and grants as entities.
    assert len([s for s in seen if "role_permission" in s]) == 1, seen
    assert not [s for s in seen if "FROM role " in s or "FROM role\n" in s], seen


def test_the_order_page_loads_who_decided_and_who_recorded_in_one_statement_each(make_app):
    """Three departments deciding the review, and three people recording payments, cost no more than one."""
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        world.users["finance 2"] = factories.user(world.company, "finance", "acme-finance-2")
        world.users["finance 3"] = factories.user(world.company, "finance", "acme-finance-3")
        flow = Flow(app, world)
        built = {}
        for people in ("one", "several"):
            order = orders.submitted(world)
            commit()
            ref = {"id": order.id}
            if people == "several":
                flow.approve_review(ref)  # sales, finance and production each decide their step
            else:
                while steps := flow.open_steps(ref):
                    flow.ok(flow.api["administrator"].post(f"/api/v1/reviews/{steps[0]['id']}/decision",
                                                           json={"decision": "approve", "reason": "ok"}))
            flow.deliver(ref, logistics=True)
            for recorder in ("finance", "finance 2", "finance 3") if people == "several" else ("finance",) * 3:
                flow.ok(flow.api[recorder].post("/api/v1/payments", json={
                    "order_id": order.id, "amount": "1.00", "method": "bank_transfer"}), 201)
            built[people] = order.id
        portal = factories.portal_login(app, world.users["administrator"])
        engine = db.engine
    counts = {people: len(_count(engine, lambda order_id=order_id: portal.get(f"/orders/{order_id}")))
              for people, order_id in built.items()}
    assert counts["several"] == counts["one"], counts
