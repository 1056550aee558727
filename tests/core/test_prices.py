"""A customer's price list (客户价目表): agreed on the customer's page and through the API, audited."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core import companies, masterdata, prices
from core.db import commit
from core.errors import NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.models import AuditEntry, CustomerPrice
from tests import factories


def agree(world, product: int = 0, price: str = "110.00"):
    row = masterdata.set_price(world.customers[0], world.products[product].id, Decimal(price),
                               world.users["sales"])
    commit()
    return row


def test_an_agreed_price_is_the_customer_s_default_and_others_keep_the_list_price(app, world):
    agree(world)
    c1, c2 = world.customers
    valve, seal = world.products

    assert prices.price_for(c1.id, valve) == Decimal("110.00")
    assert prices.price_for(c1.id, seal) == Decimal("8.50")  # nothing agreed for it
    assert prices.price_for(c2.id, valve) == Decimal("120.00")
    assert prices.has_price_list(c1.id) and not prices.has_price_list(c2.id)


def test_changing_and_removing_a_price_is_audited_on_the_customer(app, world):
    agree(world)
    agree(world, price="105.50")
    removed = masterdata.remove_price(world.customers[0], world.products[0].id, world.users["sales"])
    commit()

    assert removed == Decimal("105.50") and db.session.execute(select(CustomerPrice)).first() is None
    entries = db.session.execute(select(AuditEntry).where(
        AuditEntry.entity == "customer", AuditEntry.entity_id == world.customers[0].id,
        AuditEntry.action == "updated").order_by(AuditEntry.id)).scalars().all()
    assert [(e.before, e.after) for e in entries] == [
        (None, {"price:P001": "110.00"}), ({"price:P001": "110.00"}, {"price:P001": "105.50"}),
        ({"price:P001": "105.50"}, {"price:P001": None})]


@pytest.mark.parametrize(("price", "message"), [
    ("99.99", "the price is under the floor price 100.00 of P001"),
    ("110.005", "the price must have at most 2 decimal places; it is not rounded"),
    ("-1", "the price must be 0 or more"),
])
def test_a_price_the_list_cannot_hold_is_refused_with_the_reason(app, world, price, message):
    with pytest.raises(ValidationError, match=message.replace(".", r"\.")) as refused:
        agree(world, price=price)
    assert refused.value.field == "unit_price"


def test_a_price_needs_someone_who_sees_prices_and_a_product_of_the_company(app, world):
    other = factories.build_world(app, "OTHER")
    with pytest.raises(PermissionDenied):
        masterdata.set_price(world.customers[0], world.products[0].id, Decimal("110.00"), world.users["production"])
    with pytest.raises(ValidationError) as foreign:
        masterdata.set_price(world.customers[0], other.products[0].id, Decimal("110.00"), world.users["sales"])
    assert foreign.value.field == "product_id"
    with pytest.raises(NotFound, match="no price of P002 is agreed with C001"):
        masterdata.remove_price(world.customers[0], world.products[1].id, world.users["sales"])


def test_sales_agrees_a_price_on_the_customer_s_page_and_removes_it(app, world):
    client = factories.portal_login(app, world.users["sales"])
    customer, valve = world.customers[0], world.products[0]

    saved = client.post(f"/customers/{customer.id}/prices",
                        data={"product_id": str(valve.id), "product_id-text": "", "unit_price": "112.00"})

    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/customers/{customer.id}#prices")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Price of P001 for C001 saved." in page and "<td class=\"num\">112.00</td>" in page
    assert client.post(f"/customers/{customer.id}/prices/{valve.id}/remove").status_code == 302
    assert prices.price_for(customer.id, valve) == Decimal("120.00")


def test_a_price_under_the_floor_is_refused_on_the_page_next_to_the_price(app, world):
    client = factories.portal_login(app, world.users["sales"])
    customer = world.customers[0]

    page = client.post(f"/customers/{customer.id}/prices",
                       data={"product_id": str(world.products[0].id), "unit_price": "80.00"})

    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'id="unit_price-error1">the price is under the floor price 100.00' in html
    assert 'value="' + customer.name + '"' in html  # the customer's own form shows the customer, untouched
    assert db.session.execute(select(CustomerPrice)).first() is None


def test_the_price_list_is_not_shown_to_whoever_may_not_see_prices(app, world):
    agree(world)
    role = world.users["sales"].roles[0]
    companies.set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()

    page = factories.portal_login(app, world.users["sales"]).get(f"/customers/{world.customers[0].id}")

    assert "110.00" not in page.get_data(as_text=True) and 'id="prices"' not in page.get_data(as_text=True)


def test_removing_a_price_needs_the_price_permission_as_agreeing_one_does(app, world):
    agree(world)
    customer, valve = world.customers[0], world.products[0]
    role = world.users["sales"].roles[0]  # a role that edits customers but may not see prices
    companies.set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()

    api = factories.ApiClient(app, world.users["sales"])
    deleted = api.client.delete(f"/api/v1/customers/{customer.id}/prices/{valve.id}", headers=api.headers)
    page = factories.portal_login(app, world.users["sales"])
    removed = page.post(f"/customers/{customer.id}/prices/{valve.id}/remove")

    assert deleted.status_code == 403 and "order.view_prices" in deleted.get_json()["detail"]
    assert removed.status_code == 302
    assert "to remove agreed prices" in page.get(removed.headers["Location"]).get_data(as_text=True)
    assert prices.price_for(customer.id, valve) == Decimal("110.00")


def test_the_api_lists_agrees_and_removes_prices(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    customer, valve = world.customers[0], world.products[0]
    path = f"/api/v1/customers/{customer.id}/prices"

    put = api.put(f"{path}/{valve.id}", json={"unit_price": "115.00"})
    listed = api.get(path)
    bad = api.put(f"{path}/{valve.id}", json={"unit_price": "1.001"})
    deleted = api.client.delete(f"{path}/{valve.id}", headers=api.headers)

    assert put.status_code == 200 and put.get_json()["unit_price"] == "115.00"
    assert [(p["product_code"], p["list_price"], p["unit_price"]) for p in listed.get_json()] == [
        ("P001", "120.00", "115.00")]
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "unit_price"
    assert deleted.status_code == 204 and api.get(path).get_json() == []
    assert factories.ApiClient(app, world.users["production"]).get(path).status_code == 403
    other = factories.build_world(app, "OTHER")
    assert factories.ApiClient(app, other.users["sales"]).get(path).status_code == 404
