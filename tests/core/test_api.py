"""The JSON API's contract: problem+json errors naming the field, scoping, OpenAPI, no 500s."""
from __future__ import annotations

import re

import pytest

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
