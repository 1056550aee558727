"""Orders priced from the customer's price list: entry, the quote, and customers ordering from their list."""
from __future__ import annotations

from decimal import Decimal

import pytest

from core import masterdata
from core.db import commit
from core.errors import ValidationError
from plugins.intake import services
from tests import factories
from tests.factories import portal_login
from tests.plugins.intake.helpers import draft, order_data
from tests.plugins.intake.test_portal_ordering import let_customers_order, placed
from tests.plugins.intake.test_views import form_data


def agree_valve_price(world, price: str = "110.00") -> None:
    masterdata.set_price(world.customers[0], world.products[0].id, Decimal(price), world.users["sales"])
    commit()


def test_a_line_without_a_price_takes_the_customer_s_agreed_price(app, world):
    agree_valve_price(world)

    agreed = draft(world)
    other = draft(world, customer_id=world.customers[1].id)
    typed = draft(world, lines=[{"product_id": world.products[0].id, "quantity": 2, "unit_price": Decimal("118.00")}])

    assert agreed.lines[0].unit_price == Decimal("110.00") and agreed.subtotal == Decimal("220.00")
    assert other.lines[0].unit_price == Decimal("120.00")  # nothing agreed with C002: the list price
    assert typed.lines[0].unit_price == Decimal("118.00")  # what the clerk typed stays as typed


def test_the_quote_prices_the_lines_for_the_customer_chosen(app, world):
    agree_valve_price(world)
    client = portal_login(app, world.users["sales"])
    client.get("/orders/new")
    body = {"lines-0-product_id": str(world.products[0].id), "lines-0-quantity": "2", "lines-0-unit_price": ""}

    for_c001 = client.post("/orders/quote", data={**body, "customer_id": str(world.customers[0].id)}).get_json()
    for_c002 = client.post("/orders/quote", data={**body, "customer_id": str(world.customers[1].id)}).get_json()
    foreign = factories.build_world(app, "OTHER").customers[0]
    for_foreign = client.post("/orders/quote", data={**body, "customer_id": str(foreign.id)}).get_json()

    assert for_c001["lines"]["lines-0"]["net_amount"] == "220.00"
    assert for_c002["lines"]["lines-0"]["net_amount"] == "240.00"
    assert for_foreign["lines"]["lines-0"]["net_amount"] == "240.00"  # another company's customer: no price of theirs


def test_a_customer_with_a_price_list_is_offered_and_may_order_only_its_products(app, world):
    agree_valve_price(world)
    let_customers_order(world)
    buyer = portal_login(app, world.users["customer"])

    offered = buyer.get("/lookup/products?q=P00").get_data(as_text=True)
    refused = buyer.post("/orders/new", data=form_data(world, **{"lines-2-unit_price": ""}))
    ordered = buyer.post("/orders/new", data=form_data(world, **{
        "lines-2-product_id": "0", "lines-2-quantity": "", "lines-2-unit_price": ""}))

    assert "P001" in offered and "P002" not in offered
    assert refused.status_code == 200
    assert f"There is no such product to choose ({world.products[1].id})." in refused.get_data(as_text=True)
    assert ordered.status_code == 302
    order = placed()
    assert [(line.product.code, line.unit_price) for line in order.lines] == [("P001", Decimal("110.00"))]


def test_a_customer_without_a_price_list_orders_any_product_at_list_price(app, world):
    let_customers_order(world)

    offered = portal_login(app, world.users["customer"]).get("/lookup/products?q=P00").get_data(as_text=True)

    assert "P001" in offered and "P002" in offered


def test_the_service_refuses_a_customer_s_line_off_their_price_list_whatever_the_form_offered(app, world):
    agree_valve_price(world)
    let_customers_order(world)

    with pytest.raises(ValidationError, match="line 1: product P002 is not on your price list") as refused:
        services.place_customer_order(world.company, order_data(world, lines=[
            {"product_id": world.products[1].id, "quantity": 3}]), world.users["customer"])
    assert refused.value.field == "lines[0].product_id"
