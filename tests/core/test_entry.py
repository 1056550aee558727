"""Order entry's shared parts: the type-ahead's lookups, the line table's quote, inline errors."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_login import login_user
from sqlalchemy import event, select

from core.companies import set_role_permissions
from core.db import commit
from core.entry.forms import attempt_on, iter_errors
from core.entry.views import LinesForm
from core.errors import ValidationError
from core.extensions import db
from core.models import Order
from tests import factories
from tests.factories import portal_login
from tests.plugins.intake.helpers import next_week


def rows(*lines: tuple[object, str, str]) -> dict[str, str]:
    """The line table's inputs as the browser posts them: (product id, quantity, unit price) per row."""
    data: dict[str, str] = {}
    for index, (product_id, quantity, price) in enumerate(lines):
        data.update({f"lines-{index}-product_id": str(product_id), f"lines-{index}-quantity": quantity,
                     f"lines-{index}-unit_price": price})
    return data


def header(world) -> dict[str, str]:
    return {"customer_id": str(world.customers[0].id), "channel": "phone", "requested_date": next_week().isoformat(),
            "delivery_method": "freight", "payment_terms": ""}


@pytest.fixture
def sales(app, world):
    return portal_login(app, world.users["sales"])


# --- the quote ------------------------------------------------------------------


def test_the_quote_is_what_the_saved_order_stores_to_the_cent(sales, world):
    valve, seal = world.products[0].id, world.products[1].id
    lines = rows((valve, "1.5", "100.01"), (seal, "3", ""), (seal, "0.333", "8.33"))

    quoted = sales.post("/orders/quote", data=lines)
    saved = sales.post("/orders/new", data={**header(world), **lines})

    assert quoted.status_code == 200 and saved.status_code == 302
    answer = quoted.get_json()
    order = db.session.execute(select(Order)).scalar_one()
    assert [Decimal(answer["lines"][f"lines-{i}"]["amount"]) for i in range(3)] == [
        line.amount for line in order.lines]
    assert [Decimal(answer["lines"][f"lines-{i}"]["tax_amount"]) for i in range(3)] == [
        line.tax_amount for line in order.lines]
    assert (Decimal(answer["subtotal"]), Decimal(answer["tax_total"]), Decimal(answer["total"])) == (
        order.subtotal, order.tax_total, order.total)
    assert answer["lines"]["lines-0"] == {"net_amount": "150.02", "tax_amount": "19.50", "amount": "169.52"}
    assert answer["errors"] == {}


def test_the_quote_writes_nothing(app, sales, world):
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        answer = sales.post("/orders/quote", data=rows((world.products[0].id, "2", "")))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert answer.status_code == 200 and answer.get_json()["total"] == "271.20"
    assert statements and set(statements) <= {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"}


def test_too_many_decimals_are_refused_naming_the_row_and_the_field(sales, world):
    answer = sales.post("/orders/quote", data=rows(
        (world.products[0].id, "1.0001", ""), (world.products[1].id, "2", "8.505"), (world.products[1].id, "2", "")))

    body = answer.get_json()
    assert answer.status_code == 200  # what was typed is wrong: the table shows it, the request was fine
    assert body["errors"] == {
        "lines-0-quantity": ["must have at most 3 decimal places; it is not rounded"],
        "lines-1-unit_price": ["must have at most 2 decimal places; it is not rounded"],
    }
    assert list(body["lines"]) == ["lines-2"] and body["total"] == "19.21"  # only the good row is quoted


def test_the_quote_names_the_rows_as_the_page_does_after_a_row_above_was_removed(sales, world):
    answer = sales.post("/orders/quote", data={
        "lines-0-product_id": str(world.products[0].id), "lines-0-quantity": "2",
        "lines-3-product_id": str(world.products[1].id), "lines-3-quantity": "1.0001"})

    body = answer.get_json()
    assert list(body["lines"]) == ["lines-0"]  # 2 × 120.00 + 13 % tax
    assert body["errors"] == {"lines-3-quantity": ["must have at most 3 decimal places; it is not rounded"]}


def test_the_quote_hides_every_amount_from_a_role_without_the_price_permission(app, world):
    role = world.users["customer_service"].roles[0]
    set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()
    clerk = portal_login(app, world.users["customer_service"])

    answer = clerk.post("/orders/quote", data=rows((world.products[0].id, "2", "")))

    body = answer.get_json()
    assert answer.status_code == 200
    assert body["lines"] == {"lines-0": None}
    assert (body["subtotal"], body["tax_total"], body["total"]) == (None, None, None)


@pytest.mark.parametrize("product_id", ["abc", "99999999999", "2147483647", "-1", "1e3"])
def test_a_product_id_the_type_ahead_never_offers_is_a_400_not_a_500(sales, world, product_id):
    answer = sales.post("/orders/quote", data=rows((product_id, "1", "")))

    assert answer.status_code == 400
    assert list(answer.get_json()["errors"]) == ["lines-0-product_id"]


def test_another_companys_product_cannot_be_quoted(app, sales, world):
    other = factories.build_world(app, code="OTHER")

    answer = sales.post("/orders/quote", data=rows((other.products[0].id, "1", "")))

    assert answer.status_code == 400 and "lines-0-product_id" in answer.get_json()["errors"]


def test_a_role_that_enters_no_orders_gets_no_quote(app, world):
    logistics = portal_login(app, world.users["logistics"])
    answer = logistics.post("/orders/quote", data=rows((world.products[0].id, "1", "")))
    assert answer.status_code == 403


# --- the type-ahead's lookups ---------------------------------------------------


def test_the_lookup_lists_matching_products_by_code_name_or_specification(app, sales, world):
    factories.product(world.company, "P003", "球阀", specification="DN80 PN25")
    other = factories.build_world(app, code="OTHER")

    def ids(q: str) -> list[str]:
        page = sales.get("/lookup/products", query_string={"q": q, "listbox": "lines-0-product_id-options"})
        assert page.status_code == 200
        return [part.split('"')[0] for part in page.get_data(as_text=True).split('data-id="')[1:]]

    p1, p2 = str(world.products[0].id), str(world.products[1].id)
    assert ids("p00") == [p1, p2, ids("P003")[0]]
    assert ids("密封") == [p2] and ids("dn80") == ids("P003")
    assert str(other.products[0].id) not in ids("P001")
    nothing = sales.get("/lookup/products?q=zzz").get_data(as_text=True)
    assert 'aria-disabled="true"' in nothing and "Nothing matches “zzz”." in nothing


def test_a_customers_own_user_looks_up_only_their_customer(app, world):
    role = world.users["customer"].roles[0]  # a company that lets its customers enter their own orders
    set_role_permissions(role, role.permissions | {"order.create"}, actor=None)
    commit()
    buyer = portal_login(app, world.users["customer"])

    page = buyer.get("/lookup/customers?q=C00").get_data(as_text=True)

    assert f'data-id="{world.customers[0].id}"' in page and f'data-id="{world.customers[1].id}"' not in page


def test_inactive_rows_are_not_offered(app, sales, world):
    world.products[1].active = False
    commit()
    assert f'data-id="{world.products[1].id}"' not in sales.get("/lookup/products?q=P00").get_data(as_text=True)


# --- typed instead of picked (no JavaScript) ------------------------------------------


def test_a_typed_code_or_a_unique_name_is_resolved_on_saving(sales, world):
    data = {**header(world), "customer_id": "", "customer_id-text": "c002",
            "lines-0-product_id": "", "lines-0-product_id-text": "耐高温", "lines-0-quantity": "4"}

    assert sales.post("/orders/new", data=data).status_code == 302

    order = db.session.execute(select(Order)).scalar_one()
    assert order.customer_id == world.customers[1].id and order.lines[0].product_id == world.products[1].id


def test_text_typed_over_a_pick_counts_rather_than_the_old_pick(sales, world):
    data = {**header(world), "customer_id-text": "C002",  # customer_id still says C001, as the page was loaded
            **rows((world.products[0].id, "1", ""))}
    assert sales.post("/orders/new", data=data).status_code == 302
    assert db.session.execute(select(Order)).scalar_one().customer_id == world.customers[1].id


# --- inline errors --------------------------------------------------------------------


def test_a_service_refusal_naming_a_line_goes_next_to_that_row(app, world):
    data = rows(("0", "", ""), (world.products[0].id, "1", ""), (world.products[1].id, "2", ""))
    with app.test_request_context("/orders/new", method="POST", data=data):
        login_user(world.users["sales"])
        form = LinesForm()
        assert form.validate()

        def refuse():
            raise ValidationError("line 2: the quantity is too large", field="lines[1].quantity")

        assert attempt_on(form, refuse) is None
        # lines[1] is the second filled row: the table's third, as the first is empty
        assert form.lines[2].form.quantity.errors == ["line 2: the quantity is too large"]
        assert [field.id for field, _label, _message in iter_errors(form)] == ["lines-2-quantity"]
