"""The API's lists page by keyset cursors: every row once, in order, whatever is inserted meanwhile.

A page names the next one (``next_cursor`` and the ``next`` link); page numbers reach
the first 10,000 rows; ``total`` counts up to 10,000 and says when there are more; a
cursor the list did not give is a 400 naming it; and a list request costs the same
statements for 10 rows as for 1,000.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from core.api.schemas import MAX_CURSOR
from core.db import COUNT_LIMIT, PAGE_REACH, commit, cursor_signer
from core.extensions import db
from core.keyset import cursor_token
from core.models import Customer, OutboxMessage, OutboxStatus, Product, User, utcnow
from core.orders.queries import NEWEST_FIRST
from tests import factories, orders
from tests.core.test_queries import WRITES, statements


@pytest.fixture
def admin_api(app, world):
    return factories.ApiClient(app, world.users["administrator"])


def walk(api, path: str) -> tuple[list[dict], list[dict]]:
    """Every item of a list, following ``next`` from ``path``; and every page's answer."""
    items, pages = [], []
    while path:
        response = api.get(path)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        items += page["items"]
        pages.append(page)
        path = page["next"]
    return items, pages


def test_walking_next_visits_every_order_once_newest_first_while_new_orders_arrive(app, world, admin_api):
    moment = utcnow() - timedelta(hours=1)
    # Three orders at the same instant: the id breaks the tie, as it does at a page's edge.
    ids = orders.bulk(world, 4, start=moment) + orders.bulk(world, 3, start=moment + timedelta(minutes=5),
                                                            step=timedelta(0))
    commit()
    expected = ids[::-1]  # the three at one instant first, by id, then the four before them

    seen, path, pages = [], "/api/v1/orders?per_page=3", 0
    while path:
        page = admin_api.get(path).get_json()
        seen += [order["id"] for order in page["items"]]
        pages += 1
        orders.bulk(world, 2, start=utcnow())  # new orders, the newest of all, arrive between two pages
        commit()
        path = page["next"]

    assert seen == expected and pages == 3
    assert len(set(seen)) == len(seen)


def test_the_next_link_keeps_the_filters_and_the_page_size(admin_api, world):
    orders.bulk(world, 5)
    commit()
    first = admin_api.get(f"/api/v1/orders?customer_id={world.customers[0].id}&per_page=2").get_json()
    assert first["page"] == 1 and first["per_page"] == 2 and first["total"] == 3 and not first["total_capped"]
    assert first["next"] == (f"/api/v1/orders?customer_id={world.customers[0].id}&per_page=2"
                             f"&cursor={first['next_cursor']}")
    second = admin_api.get(first["next"]).get_json()
    assert second["page"] is None and second["next"] is None and second["next_cursor"] is None
    assert [o["customer"]["id"] for o in first["items"] + second["items"]] == [world.customers[0].id] * 3
    assert admin_api.get(f"/api/v1/orders?per_page=2&cursor={first['next_cursor']}").get_json()["total"] == 5


def test_walking_next_visits_every_customer_once_by_code_while_customers_are_added(admin_api, world):
    for code in ("C010", "C020", "C030", "C040"):
        factories.customer(world.company, code, f"客户 {code}")
    first = admin_api.get("/api/v1/customers?per_page=3").get_json()
    assert [c["code"] for c in first["items"]] == ["C001", "C002", "C010"]
    factories.customer(world.company, "C005", "已翻过的位置")  # before the cursor: the walk has passed it
    factories.customer(world.company, "C025", "还没到的位置")  # after it: the walk meets it once
    rest, _ = walk(admin_api, first["next"])
    assert [c["code"] for c in rest] == ["C020", "C025", "C030", "C040"]


@pytest.mark.parametrize("list_path", ["/api/v1/customers", "/api/v1/products", "/api/v1/orders", "/api/v1/outbox"])
def test_a_tampered_or_made_up_cursor_is_a_400_naming_cursor(admin_api, world, list_path):
    orders.bulk(world, 3)
    for n in range(3):
        factories.customer(world.company, f"D{n}")
        factories.product(world.company, f"Q{n}")
    db.session.execute(insert(OutboxMessage), [_message(world, n) for n in range(3)])
    commit()
    good = admin_api.get(f"{list_path}?per_page=1").get_json()["next_cursor"]
    value, _, signature = good.partition(".")
    tampered = [
        f"{value[:-2]}{'A' if value[-2] != 'A' else 'B'}{value[-1]}.{signature}",  # another position, same signature
        f"{value}.{signature[::-1]}",  # a signature made up
        value,  # the position unsigned, as the portal's list view writes it
        cursor_token(1, 1), "not-a-cursor", "…",
    ]
    for cursor in tampered:
        response = admin_api.get(f"{list_path}?per_page=1&cursor={cursor}")
        assert response.status_code == 400, (cursor, response.get_json())
        problem = response.get_json()
        assert problem["errors"][0]["field"] == "cursor" and "next" in problem["detail"], problem


def test_the_cursor_after_the_longest_code_fits_the_limit_and_finds_its_place(admin_api, world):
    longest = "𠀀" * 32  # 32 characters of four bytes each: the widest code a customer may have
    factories.customer(world.company, longest, "生僻字客户")
    factories.customer(world.company, "𠀁", "下一个客户")
    page = admin_api.get("/api/v1/customers?per_page=3").get_json()
    assert page["items"][-1]["code"] == longest and len(page["next_cursor"]) <= MAX_CURSOR
    assert [c["code"] for c in admin_api.get(page["next"]).get_json()["items"]] == ["𠀁"]


def test_a_cursor_of_another_list_is_refused(admin_api, world):
    factories.product(world.company, "P003")
    products = admin_api.get("/api/v1/products?per_page=1").get_json()
    refused = admin_api.get(f"/api/v1/customers?cursor={products['next_cursor']}")
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "cursor"


def test_a_signed_cursor_with_a_value_of_the_wrong_type_is_still_refused(admin_api, world):
    """Even signed with the secret, a position must be a value of the sort column's kind and a row id."""
    orders.bulk(world, 2)
    commit()
    order_signer = cursor_signer(NEWEST_FIRST)
    good = admin_api.get("/api/v1/orders?per_page=1").get_json()["next_cursor"]
    assert order_signer.unsign(good)  # the list's own signer
    for position in (cursor_token("yesterday", 1), cursor_token("2026-01-01T00:00:00", 1),
                     cursor_token("2026-01-01T00:00:00+00:00", 0), cursor_token(None, True)):
        cursor = order_signer.sign(position).decode()
        response = admin_api.get(f"/api/v1/orders?cursor={cursor}")
        assert response.status_code == 400 and response.get_json()["errors"][0]["field"] == "cursor", position


def test_page_numbers_reach_the_first_10000_rows_then_point_to_the_cursor(admin_api):
    assert PAGE_REACH == 10_000
    assert admin_api.get("/api/v1/orders?page=400").status_code == 200  # rows 9,976 to 10,000
    refused = admin_api.get("/api/v1/orders?page=401")
    assert refused.status_code == 400
    problem = refused.get_json()
    assert problem["errors"][0]["field"] == "page" and "cursor" in problem["detail"], problem
    assert admin_api.get("/api/v1/products?per_page=200&page=50").status_code == 200
    assert admin_api.get("/api/v1/products?per_page=200&page=51").status_code == 400
    assert admin_api.get("/api/v1/customers?per_page=1&page=10000").status_code == 200
    for page in (10_001, 10**20):
        problem = admin_api.get(f"/api/v1/customers?per_page=1&page={page}").get_json()
        assert problem["errors"][0]["field"] == "page" and "cursor" in problem["detail"], problem


def test_a_page_number_and_a_cursor_together_are_refused(admin_api, world):
    factories.customer(world.company, "C003")
    cursor = admin_api.get("/api/v1/customers?per_page=1").get_json()["next_cursor"]
    refused = admin_api.get(f"/api/v1/customers?per_page=1&page=2&cursor={cursor}")
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "page"


def test_the_total_is_counted_up_to_10000_and_says_when_there_are_more(admin_api, world):
    assert COUNT_LIMIT == 10_000
    db.session.execute(insert(Product), [{
        "company_id": world.company.id, "code": f"X{n:05d}", "name": f"螺栓 M{n}", "unit": "个",
        "list_price": Decimal("1.00"), "floor_price": Decimal("0.50"), "tax_rate": Decimal("0.13"),
        "lead_time_days": 0, "active": True,
    } for n in range(COUNT_LIMIT - 1)])  # with the world's two: 10,001 products
    commit()
    everything = admin_api.get("/api/v1/products?per_page=1").get_json()
    assert (everything["total"], everything["total_capped"]) == (10_000, True)
    some = admin_api.get("/api/v1/products?q=M99&per_page=1").get_json()  # M99, M990-M999, M9900-M9998
    assert (some["total"], some["total_capped"]) == (1 + 10 + 99, False)
    last = admin_api.get("/api/v1/products?per_page=1&page=10000").get_json()
    assert [p["code"] for p in last["items"]] == ["X09997"] and last["next_cursor"] is not None
    after, _ = walk(admin_api, last["next"])
    assert [p["code"] for p in after] == ["X09998"]


def test_a_list_hides_amounts_from_roles_without_the_price_permission(app, world):
    orders.bulk(world, 3)
    commit()
    production = factories.ApiClient(app, world.users["production"]).get("/api/v1/orders").get_json()["items"]
    assert {o["total"] for o in production} == {None}
    assert {line["unit_price"] for o in production for line in o["lines"]} == {None}
    finance = factories.ApiClient(app, world.users["finance"]).get("/api/v1/orders").get_json()["items"]
    assert None not in {o["total"] for o in finance} | {line["unit_price"] for o in finance for line in o["lines"]}


def test_the_callers_permissions_are_worked_out_once_per_list_not_once_per_row(app, world, monkeypatch):
    api = factories.ApiClient(app, world.users["sales"])
    computed = []
    permissions = User.permissions

    def counted(user: User) -> frozenset[str]:
        computed.append(user.id)
        return permissions.fget(user)

    monkeypatch.setattr(User, "permissions", property(counted))
    calls = {}
    for size, more in ((1, 1), (25, 24)):
        orders.bulk(world, more)
        commit()
        computed.clear()
        page = api.get("/api/v1/orders?per_page=25").get_json()
        assert len(page["items"]) == size
        calls[size] = len(computed)
    assert calls[1] == calls[25] <= 3, calls


# --- statements -------------------------------------------------------------------------


def _message(world, n: int) -> dict:
    return {"company_id": world.company.id, "kind": "order_confirmation", "recipient": f"buyer{n}@example.cn",
            "subject": f"订单确认 {n}", "body": "正文 " * 200, "message_id": f"<{world.company.code}-{n}@ordo.test>",
            "status": OutboxStatus.SENT, "attempts": 1, "created_at": utcnow(), "next_attempt_at": utcnow()}


def _grow(built: factories.World, rows: int, have: int) -> None:
    """The company's lists grow to ``rows`` rows each (beyond the world's own)."""
    world = factories.World(company=db.session.merge(built.company),
                            users={"sales": db.session.merge(built.users["sales"])},
                            customers=[db.session.merge(c) for c in built.customers],
                            products=[db.session.merge(p) for p in built.products])
    more = rows - have
    orders.bulk(world, more)
    db.session.execute(insert(Customer), [{
        "company_id": world.company.id, "code": f"G{n:05d}", "name": f"客户 {n}", "credit_limit": Decimal("0.00"),
        "payment_terms": "cash_on_delivery", "active": True} for n in range(have, rows)])
    db.session.execute(insert(Product), [{
        "company_id": world.company.id, "code": f"G{n:05d}", "name": f"零件 {n}", "unit": "个",
        "list_price": Decimal("1.00"), "floor_price": Decimal("0.50"), "tax_rate": Decimal("0.13"),
        "lead_time_days": 0, "active": True} for n in range(have, rows)])
    db.session.execute(insert(OutboxMessage), [_message(world, n) for n in range(have, rows)])
    commit()


LISTS = ("/api/v1/orders", "/api/v1/customers", "/api/v1/products", "/api/v1/outbox",
         "/api/v1/customers?q=G0", "/api/v1/orders?status=submitted")


def _statements(engine, api, path: str) -> list[str]:
    with statements(engine) as seen:
        response = api.get(path)
        response.close()
    assert response.status_code == 200, response.get_json()
    assert not [s for s in seen if s.lstrip().upper().startswith(WRITES)], seen
    return seen


def test_a_list_request_costs_the_same_statements_for_10_rows_as_for_1000(make_app):
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        api = factories.ApiClient(app, world.users["administrator"])
        engine = db.engine
    api.get("/api/v1/me", buffered=True)  # the token's first use is recorded; the calls measured come after it
    counts: dict[str, dict[int, int]] = {}
    seen: dict[str, list[str]] = {}
    have = 0
    for rows in (10, 1_000):
        with app.app_context():
            _grow(world, rows, have)
            have = rows
        for path in LISTS:
            first = _statements(engine, api, f"{path}{'&' if '?' in path else '?'}per_page=5")
            cursor = api.get(f"{path}{'&' if '?' in path else '?'}per_page=5").get_json()["next"]
            second = _statements(engine, api, cursor)
            counts.setdefault(path, {})[rows] = len(first)
            counts.setdefault(f"{path} (next)", {})[rows] = len(second)
            seen[path] = first
    for path, by_rows in counts.items():
        assert by_rows[10] == by_rows[1_000], (path, by_rows)
    # Besides the caller's own (which reads the company's modules in use with the user): one statement for the
    # orders with their customers, one for their lines with their products' codes, one for their modules, one count.
    orders_page = seen["/api/v1/orders"]
    assert [sum(part in statement for statement in orders_page)
            for part in ('FROM "order" LEFT OUTER JOIN customer', "FROM order_line", "SELECT order_module.order_id",
                         "count(*)")] == [1, 1, 1, 1], orders_page
