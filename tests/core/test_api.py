"""The JSON API's contract: problem+json errors naming the field, scoping, OpenAPI, no 500s."""
from __future__ import annotations

import re
from decimal import Decimal

import marshmallow as ma
import pytest
from sqlalchemy import select

from core.api.fields import MONEY_FLAG, is_money
from core.api.schemas import PricedSchema
from core.db import commit
from core.extensions import db
from core.models import Customer, Product
from tests import factories, orders


@pytest.fixture
def admin_api(app, world):
    return factories.ApiClient(app, world.users["administrator"])


def test_a_missing_field_is_a_400_problem_naming_it(admin_api):
    response = admin_api.post("/api/v1/customers", json={"code": "C100"})
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["errors"] == [{"field": "name", "message": "Missing data for required field."}]
    assert "name" in problem["detail"]


def test_invalid_json_is_a_400_problem(admin_api):
    response = admin_api.post("/api/v1/customers", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "body"


def test_a_wrong_type_names_the_field(admin_api):
    response = admin_api.post("/api/v1/products", json={"code": "X1", "name": "x", "list_price": "ten",
                                                        "floor_price": "1"})
    assert response.status_code == 400
    assert {"field": "list_price", "message": "Not a valid number."} in response.get_json()["errors"]


def test_a_floor_price_above_the_list_price_is_refused(admin_api):
    response = admin_api.post("/api/v1/products", json={"code": "X1", "name": "x", "list_price": "10",
                                                        "floor_price": "12"})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "floor_price"


def test_customers_are_created_read_and_patched(admin_api):
    created = admin_api.post("/api/v1/customers", json={
        "code": "C100", "name": "杭州西湖电气", "province": "浙江", "city": "杭州", "credit_limit": "20000.00",
        "payment_terms": "monthly"})
    assert created.status_code == 201
    customer = created.get_json()
    assert customer["credit_limit"] == "20000.00" and customer["payment_terms"] == "monthly"
    patched = admin_api.patch(f"/api/v1/customers/{customer['id']}", json={"credit_limit": "30000"})
    assert patched.get_json()["credit_limit"] == "30000.00"
    assert patched.get_json()["name"] == "杭州西湖电气"
    listed = admin_api.get("/api/v1/customers?per_page=2&page=2").get_json()
    assert listed["total"] == 3 and [c["code"] for c in listed["items"]] == ["C100"]


def test_a_customers_language_is_set_read_and_checked(admin_api):
    created = admin_api.post("/api/v1/customers", json={"code": "C100", "name": "Hamburg Supply", "language": "en"})
    assert created.status_code == 201 and created.get_json()["language"] == "en"
    customer_id = created.get_json()["id"]
    assert admin_api.patch(f"/api/v1/customers/{customer_id}", json={"language": None}).get_json()["language"] is None
    refused = admin_api.patch(f"/api/v1/customers/{customer_id}", json={"language": "de"})
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "language"


def test_a_duplicate_code_is_a_conflict_naming_the_code(admin_api):
    response = admin_api.post("/api/v1/customers", json={"code": "C001", "name": "dup"})
    assert response.status_code == 409
    assert response.get_json()["errors"] == [{"field": "code", "message": "the code C001 is already used"}]


def test_another_companys_records_do_not_exist_for_the_caller(app, world, admin_api):
    other = factories.build_world(app, code="OTHER")
    theirs = orders.submitted(other)
    from core.db import commit
    commit()
    assert admin_api.get(f"/api/v1/customers/{other.customers[0].id}").status_code == 404
    assert admin_api.get(f"/api/v1/orders/{theirs.id}").status_code == 404
    assert admin_api.get(f"/api/v1/orders/{theirs.id}/timeline").status_code == 404
    assert theirs.id not in [o["id"] for o in admin_api.get("/api/v1/orders").get_json()["items"]]


def test_a_customer_user_reads_only_their_own_orders(app, world):
    mine = orders.submitted(world, customer=world.customers[0])
    theirs = orders.submitted(world, customer=world.customers[1])
    from core.db import commit
    commit()
    buyer = factories.ApiClient(app, world.customer_user)
    assert buyer.get(f"/api/v1/orders/{mine.id}").status_code == 200
    assert buyer.get(f"/api/v1/orders/{theirs.id}").status_code == 404
    assert [o["id"] for o in buyer.get("/api/v1/orders").get_json()["items"]] == [mine.id]


def test_roles_without_price_permission_see_no_prices(app, world):
    order = orders.submitted(world)
    from core.db import commit
    commit()
    production = factories.ApiClient(app, world.users["production"]).get(f"/api/v1/orders/{order.id}").get_json()
    assert production["total"] is None and production["lines"][0]["unit_price"] is None
    sales = factories.ApiClient(app, world.users["sales"]).get(f"/api/v1/orders/{order.id}").get_json()
    assert sales["total"] == str(order.total)


def test_the_customers_tax_and_bank_details_go_only_to_roles_that_handle_invoices(app, world):
    order = orders.submitted(world, invoice_tax_id="91310115MA1K4B2C3J",
                             invoice_bank_account="中国工商银行杭州西湖支行 1202 0219 0900 1234 567")
    commit()

    production = factories.ApiClient(app, world.users["production"]).get(f"/api/v1/orders/{order.id}").get_json()
    finance = factories.ApiClient(app, world.users["finance"]).get(f"/api/v1/orders/{order.id}").get_json()

    assert production["invoice_tax_id"] is None and production["invoice_bank_account"] is None
    assert production["number"] == order.number  # the rest of the order is still theirs to read
    assert finance["invoice_tax_id"] == "91310115MA1K4B2C3J"
    assert finance["invoice_bank_account"] == "中国工商银行杭州西湖支行 1202 0219 0900 1234 567"


def test_the_timeline_lists_the_status_history(app, world):
    order = orders.submitted(world)
    from core.db import commit
    commit()
    timeline = factories.ApiClient(app, world.users["supervisor"]).get(f"/api/v1/orders/{order.id}/timeline")
    assert [entry["action"] for entry in timeline.get_json()][:1] == ["submit"]
    assert timeline.get_json()[0]["before"] == {"status": "draft"}


def test_the_openapi_document_covers_every_plugin_and_needs_no_token(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/tokens", "/api/v1/me", "/api/v1/orders", "/api/v1/orders/{order_id}/timeline",
                 "/api/v1/modules/{name}", "/api/v1/orders/{order_id}/documents/{kind}"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


BAD_BODIES = [None, {}, [], "text", 12, {"unexpected": True}, {"order_id": "x", "amount": "-1", "id": None},
              {"lines": [{}], "customer_id": -1}, {"enabled": "maybe"}]


def test_nothing_a_client_sends_yields_a_500(app, world, admin_api):
    order = orders.submitted(world)
    from core.db import commit
    commit()
    spec = admin_api.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, operations in spec["paths"].items():
        for method in operations:
            if method not in {"post", "put", "patch", "get"}:
                continue
            for ident in (order.id, 999999):
                url = re.sub(r"\{[a-z_]+_id\}", str(ident), path)
                url = url.replace("{kind}", "confirmation").replace("{name}", "review")
                bodies = BAD_BODIES if method != "get" else [None]
                for body in bodies:
                    response = admin_api._call(method.upper(), url, json=body)
                    assert response.status_code < 500, (method, url, body, response.get_data(as_text=True))
                    if response.status_code >= 400:
                        assert response.content_type == "application/problem+json", (method, url)
                    checked += 1
                raw = admin_api._call(method.upper(), url, data="{oops", headers={"Content-Type": "application/json"})
                assert raw.status_code < 500, (method, url)
    assert checked > 50


def test_the_timeline_hides_amounts_from_roles_without_price_permission(make_app):
    from core.contracts import Payment
    from core.db import commit
    from core.models import utcnow
    from core.orders import events

    app = make_app(plugins=[])  # without review the order is approved at submission
    with app.app_context():
        world = factories.build_world(app)
        order = orders.submitted(world)
        events.record_payment(order, actor=None, payment=Payment(amount=order.total, received_at=utcnow(),
                                                          is_prepayment=True, fully_paid=True))
        commit()
        entries = factories.ApiClient(app, world.users["production"]).get(
            f"/api/v1/orders/{order.id}/timeline").get_json()
        paid = next(entry for entry in entries if entry["action"] == "pay")
        assert paid["after"]["amount"] == "hidden" and paid["after"]["status"] == "approved"
        finance = factories.ApiClient(app, world.users["finance"]).get(f"/api/v1/orders/{order.id}/timeline").get_json()
        assert next(e for e in finance if e["action"] == "pay")["after"]["amount"] == str(order.total)


def test_master_data_figures_with_more_places_than_stored_are_refused_not_rounded(admin_api, world):
    product = {"code": "X1", "name": "x", "list_price": "10", "floor_price": "1"}
    cases = [
        ("/api/v1/products", {**product, "list_price": "10.123"}, "list_price"),
        ("/api/v1/products", {**product, "floor_price": "1.0000001"}, "floor_price"),
        ("/api/v1/products", {**product, "tax_rate": "0.12345"}, "tax_rate"),
        ("/api/v1/products", {**product, "list_price": "NaN"}, "list_price"),
        ("/api/v1/customers", {"code": "C100", "name": "x", "credit_limit": "1000.001"}, "credit_limit"),
        ("/api/v1/customers", {"code": "C100", "name": "x", "credit_limit": "1e12"}, "credit_limit"),
    ]
    for path, body, field in cases:
        response = admin_api.post(path, json=body)
        assert response.status_code == 400, (body, response.get_json())
        assert [error["field"] for error in response.get_json()["errors"]] == [field], (body, response.get_json())
    patched = admin_api.patch(f"/api/v1/products/{world.products[0].id}", json={"list_price": "120.005"})
    assert patched.status_code == 400 and patched.get_json()["errors"][0]["field"] == "list_price"
    assert admin_api.get(f"/api/v1/products/{world.products[0].id}").get_json()["list_price"] == "120.00"
    exact = admin_api.post("/api/v1/products", json={**product, "list_price": "10.100", "tax_rate": "0.0600"})
    assert exact.status_code == 201
    assert (exact.get_json()["list_price"], exact.get_json()["tax_rate"]) == ("10.10", "0.0600")


def test_a_field_error_names_the_field_in_the_callers_language(admin_api):
    response = admin_api.post("/api/v1/customers", json={"code": "C100", "name": "x", "credit_limit": "1.001"},
                              headers={"Accept-Language": "zh-CN"})
    error, = response.get_json()["errors"]
    assert error["field"] == "credit_limit" and "2" in error["message"] and "decimal" not in error["message"]


def api_schemas() -> list[type[ma.Schema]]:
    """Every marshmallow schema of the core and the bundled plugins, generated ones included."""
    found, todo = [], [ma.Schema]
    while todo:
        schema = todo.pop()
        todo += schema.__subclasses__()
        if any(base.__module__.startswith(("core.", "plugins.")) for base in schema.__mro__):
            found.append(schema)  # generated ones (type(...)) name the module of their metaclass
    return found


def test_every_decimal_of_every_api_schema_says_whether_it_is_an_amount(app):
    schemas = api_schemas()
    assert {"OrderSchema", "ProductReadSchema", "InvoiceSchema", "KpiSchema"} <= {s.__name__ for s in schemas}
    for schema in schemas:
        for name, field in schema._declared_fields.items():
            if isinstance(field, ma.fields.Decimal):
                assert MONEY_FLAG in field.metadata, f"{schema.__name__}.{name}: an amount (MoneyField) or not?"
            if is_money(field):
                assert issubclass(schema, PricedSchema), f"{schema.__name__}.{name} would show amounts to anyone"


def test_master_data_amounts_are_null_for_roles_without_the_price_permission(app, world):
    product, customer = world.products[0], world.customers[0]
    production = factories.ApiClient(app, world.users["production"])
    read = production.get(f"/api/v1/products/{product.id}").get_json()
    assert (read["list_price"], read["floor_price"], read["code"], read["tax_rate"]) == (None, None, "P001", "0.1300")
    assert production.get(f"/api/v1/customers/{customer.id}").get_json()["credit_limit"] is None
    assert {item["credit_limit"] for item in production.get("/api/v1/customers").get_json()["items"]} == {None}
    sales = factories.ApiClient(app, world.users["sales"])
    assert sales.get(f"/api/v1/products/{product.id}").get_json()["list_price"] == "120.00"
    assert sales.get(f"/api/v1/customers/{customer.id}").get_json()["credit_limit"] == "500000.00"


def test_the_openapi_document_says_answers_may_hide_amounts_but_requests_carry_them(app):
    schemas = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["ProductRead"]["properties"]["list_price"]["nullable"] is True
    assert "nullable" not in schemas["Product"]["properties"]["list_price"]
    assert "list_price" in schemas["Product"]["required"]
    assert schemas["CustomerRead"]["properties"]["credit_limit"]["nullable"] is True
    products = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/products/{item_id}"]
    assert products["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ProductRead")


def test_a_role_that_may_keep_master_data_but_not_see_prices_may_not_set_them(app, world):
    from core.companies import set_role_permissions
    from core.db import commit

    role = world.users["production"].roles[0]
    set_role_permissions(role, role.permissions | {"product.manage", "customer.manage"}, actor=None)
    commit()
    api = factories.ApiClient(app, world.users["production"])
    product, customer = world.products[0], world.customers[0]

    refused = api.patch(f"/api/v1/products/{product.id}", json={"name": "球阀", "list_price": "120.00"})
    assert refused.status_code == 403  # even with the value it has: a refusal never confirms an amount
    assert "order.view_prices" in refused.get_json()["detail"] and "list_price" in refused.get_json()["detail"]
    renamed = api.patch(f"/api/v1/products/{product.id}", json={"name": "球阀"})
    assert renamed.status_code == 200 and renamed.get_json()["list_price"] is None
    assert api.post("/api/v1/products", json={"code": "X1", "name": "x", "list_price": "10",
                                              "floor_price": "1"}).status_code == 403
    assert api.patch(f"/api/v1/customers/{customer.id}", json={"credit_limit": "1.00"}).status_code == 403
    assert api.post("/api/v1/customers", json={"code": "C100", "name": "x", "credit_limit": "0.00"}).status_code == 403
    created = api.post("/api/v1/customers", json={"code": "C100", "name": "杭州西湖电气"})
    assert created.status_code == 201 and created.get_json()["credit_limit"] is None
    db.session.expire_all()
    assert db.session.get(Product, product.id).list_price == Decimal("120.00")
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).scalar_one().credit_limit == 0
    assert db.session.get(Customer, customer.id).credit_limit == Decimal("500000.00")


def test_q_finds_customers_by_code_name_or_phone_and_never_another_companys(app, world, admin_api):
    other = factories.build_world(app, code="OTHER")  # the same codes, names and phones in another company
    factories.customer(world.company, "C003", "杭州西湖电气", phone="0571-8888-1234")

    def codes(q: str) -> list[str]:
        answer = admin_api.get("/api/v1/customers", query_string={"q": q})
        assert answer.status_code == 200
        return [item["code"] for item in answer.get_json()["items"]]

    assert codes("c00") == ["C001", "C002", "C003"]  # by code, ignoring case, ordered by code
    assert codes("燕山") == ["C002"]  # by name
    assert codes("8888-12") == ["C003"]  # by phone
    assert codes("100%") == []  # % is a character, not a wildcard
    assert other.customers[0].id not in {
        item["id"] for item in admin_api.get("/api/v1/customers?q=C001").get_json()["items"]}


def test_q_finds_products_by_code_name_or_specification(app, world, admin_api):
    factories.product(world.company, "P003", "球阀", specification="DN80 PN25")

    def codes(q: str) -> list[str]:
        return [item["code"] for item in admin_api.get("/api/v1/products", query_string={"q": q}).get_json()["items"]]

    assert codes("p003") == ["P003"]
    assert codes("密封圈") == ["P002"]
    assert codes("dn80") == ["P003"]
    assert codes("PN16") == ["P001", "P002"]


def test_q_longer_than_a_search_is_a_400_naming_it(admin_api):
    response = admin_api.get("/api/v1/customers", query_string={"q": "x" * 101})
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "q"


def test_the_openapi_document_declares_q_on_the_master_data_lists(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/customers", "/api/v1/products"):
        parameters = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
        assert parameters["q"]["in"] == "query" and "contains" in parameters["q"]["description"]


@pytest.mark.parametrize("text", ["Bell\x07Corp", "Bell\nCorp", "Bell\x7fCorp", "Bell\x85Corp"])
def test_a_customer_name_with_a_control_character_is_refused_naming_the_field(admin_api, text):
    response = admin_api.post("/api/v1/customers", json={"code": "C100", "name": text})
    assert response.status_code == 400
    assert [error["field"] for error in response.json["errors"]] == ["name"]
    assert "control character" in response.json["errors"][0]["message"]


def test_an_address_may_hold_lines_and_tabs_but_no_other_control_character(admin_api):
    created = admin_api.post("/api/v1/customers", json={"code": "C100", "name": "Bell\tCorp",
                                                        "address": "上海市\r\n浦东新区"})
    assert created.status_code == 201 and created.json["address"] == "上海市\r\n浦东新区"
    refused = admin_api.patch(f"/api/v1/customers/{created.json['id']}", json={"address": "上海市\x0c"})
    assert refused.status_code == 400 and refused.json["errors"][0]["field"] == "address"


def test_a_query_filter_with_a_control_character_is_refused_naming_it(admin_api):
    response = admin_api.get("/api/v1/orders?number=SO%07")
    assert response.status_code == 400 and response.json["errors"][0]["field"] == "number"
