"""The global search: orders by number, customer, customer's PO number and product, as each reader may see them."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Order, User
from tests import factories, orders


@dataclass(frozen=True)
class Shop:
    app: object
    users: dict[str, int]  # username → id, signed in afresh by each test
    numbers: dict[str, str]  # which order → its number as the page shows it


@pytest.fixture(scope="module")
def shop(app_builders):
    """Two companies with look-alike master data; the tests only read."""
    build, clean_up = app_builders()
    app = build()
    try:
        with app.app_context():
            acme, rival = factories.build_world(app), factories.build_world(app, "RIVAL")
            valve, seal = acme.products
            found = {
                "valve": orders.submitted(acme, customer_reference="PO-2026-0088", lines=[(valve, "10", None)]),
                "seals": orders.submitted(acme, customer=acme.customers[1], customer_reference="HT_77",
                                          lines=[(seal, "200", None)]),
                "draft": orders.draft(acme, lines=[(valve, "1", None)]),  # a clerk's draft
                "rival": orders.submitted(rival, customer_reference="PO-2026-0099",
                                          lines=[(rival.products[0], "5", None)]),
            }
            commit()
            users = {user.username: user.id for user in (*acme.users.values(), rival.users["sales"])}
            yield Shop(app, users, {name: order.display_number for name, order in found.items()})
    finally:
        clean_up()


def search(shop: Shop, username: str, q: str | None, language: str = "en"):
    with shop.app.app_context():
        client = factories.portal_login(shop.app, db.session.get(User, shop.users[username]))
    query = {} if q is None else {"q": q}
    return client.get("/search", query_string=query, headers={"Accept-Language": language})


def groups(html: str) -> dict[str, list[str]]:
    """The order numbers found, per group, as the page lists them."""
    return {field: re.findall(r'<td><a href="/orders/\d+">([^<]+)</a></td>', body)
            for field, body in re.findall(r'<section class="search-group" id="search-(\w+)">(.*?)</section>',
                                          html, re.S)}


def test_an_order_is_found_by_its_number_and_a_draft_by_its_hash(shop):
    n = shop.numbers
    page = search(shop, "acme-sales", n["valve"]).get_data(as_text=True)
    assert groups(page) == {"number": [n["valve"]]}
    assert groups(search(shop, "acme-sales", "TACME").get_data(as_text=True))["number"] == [n["seals"], n["valve"]]
    assert groups(search(shop, "acme-sales", n["draft"]).get_data(as_text=True)) == {"number": [n["draft"]]}


def test_an_order_is_found_by_the_customers_po_number(shop):
    n = shop.numbers
    assert groups(search(shop, "acme-sales", "po-2026").get_data(as_text=True)) == {
        "customer_reference": [n["valve"]]}  # case does not matter; the rival's PO-2026-0099 is not ours


def test_orders_are_found_by_customer_code_or_name(shop):
    n = shop.numbers
    assert groups(search(shop, "acme-sales", "C002").get_data(as_text=True)) == {"customer": [n["seals"]]}
    by_name = groups(search(shop, "acme-sales", "华东机电").get_data(as_text=True))
    assert by_name == {"customer": [n["draft"], n["valve"]]}


def test_orders_are_found_by_a_product_they_contain(shop):
    n = shop.numbers
    assert groups(search(shop, "acme-sales", "P002").get_data(as_text=True)) == {"product": [n["seals"]]}
    assert groups(search(shop, "acme-sales", "密封圈").get_data(as_text=True)) == {"product": [n["seals"]]}
    assert groups(search(shop, "acme-sales", "DN50").get_data(as_text=True)) == {"product": [n["draft"], n["valve"]]}


def test_another_companys_orders_are_never_found(shop):
    n = shop.numbers
    for q in ("C001", "P001", "PO-2026", "TRIVAL", n["rival"]):
        found = groups(search(shop, "acme-sales", q).get_data(as_text=True))
        assert n["rival"] not in sum(found.values(), []), q
    assert groups(search(shop, "rival-sales", "C001").get_data(as_text=True)) == {"customer": [n["rival"]]}


def test_a_customer_finds_only_their_own_submitted_orders(shop):
    n = shop.numbers
    assert groups(search(shop, "acme-buyer", "TACME").get_data(as_text=True)) == {"number": [n["valve"]]}
    assert groups(search(shop, "acme-buyer", "C002").get_data(as_text=True)) == {}  # another customer's order
    draft = search(shop, "acme-buyer", n["draft"]).get_data(as_text=True)  # staff's draft stays unseen
    assert groups(draft) == {} and "No order you may see matches" in draft
    assert "1,356.00" not in search(shop, "acme-production", "TACME").get_data(as_text=True)  # no amounts
    assert "1,356.00" in search(shop, "acme-buyer", "TACME").get_data(as_text=True)  # the customer sees theirs


@pytest.mark.parametrize(("q", "status", "message"), [
    (None, 200, "Type what to search for"),
    ("   ", 200, "Type what to search for"),
    ("x" * 101, 400, "The search is too long: at most 100 characters."),
])
def test_an_empty_or_too_long_search_is_answered_with_a_message(shop, q, status, message):
    response = search(shop, "acme-sales", q)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert groups(response.get_data(as_text=True)) == {}


@pytest.mark.parametrize("q", ["%", "_", "'; drop table order; --", "\\", "#99999999999999999999", "#0"])
def test_wildcards_and_odd_input_are_searched_literally(shop, q):
    response = search(shop, "acme-sales", q)
    assert response.status_code == 200
    found = groups(response.get_data(as_text=True))
    assert found == ({"customer_reference": [shop.numbers["seals"]]} if q == "_" else {})  # HT_77 has one


def test_searching_writes_nothing_and_reads_in_chinese(shop):
    with shop.app.app_context():
        before = db.session.execute(select(func.count(AuditEntry.id))).scalar_one()
        orders_before = db.session.execute(select(func.count(Order.id))).scalar_one()
    page = search(shop, "acme-sales", "密封圈", language="zh-CN").get_data(as_text=True)
    with shop.app.app_context():
        assert db.session.execute(select(func.count(AuditEntry.id))).scalar_one() == before
        assert db.session.execute(select(func.count(Order.id))).scalar_one() == orders_before
    assert "按产品" in page and "搜索" in page


def test_the_search_box_is_in_every_page_header(shop):
    with shop.app.app_context():
        client = factories.portal_login(shop.app, db.session.get(User, shop.users["acme-sales"]))
    inbox = client.get("/inbox").get_data(as_text=True)
    assert '<form class="global-search" method="get" action="/search" role="search">' in inbox
    assert 'class="global-search"' not in shop.app.test_client().get("/login").get_data(as_text=True)
