"""Orders pushed by integrations: POST /orders (Idempotency-Key), PATCH /orders/{id}, POST .../submit."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import Order
from plugins.intake import services
from tests import factories
from tests.plugins.intake.helpers import api_body, draft

PROBLEM = "application/problem+json"


def fields(response) -> set[str]:
    return {error["field"] for error in response.get_json().get("errors", [])}


def order_count() -> int:
    return db.session.execute(select(func.count()).select_from(Order)).scalar_one()


def test_an_integration_creates_a_draft_with_list_prices_and_the_customers_terms(app, world):
    api = factories.ApiClient(app, world.users["sales"])

    response = api.post("/api/v1/orders", json=api_body(world))

    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["status"] == "draft" and order["number"] is None and order["channel"] == "api"
    assert order["customer"]["name"] == "上海华东机电有限公司"
    assert order["payment_terms"] == "cash_on_delivery"
    assert [(line["product_code"], line["quantity"], line["unit_price"]) for line in order["lines"]] == [
        ("P001", "2.000", "120.00"), ("P002", "10.000", "8.00")]
    assert order["total"] == "361.60"


def test_a_retry_with_the_same_idempotency_key_replays_the_first_order(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    key = {"Idempotency-Key": "shop-4711"}

    first = api.post("/api/v1/orders", json=api_body(world), headers=key)
    retry = api.post("/api/v1/orders", json=api_body(world), headers=key)

    assert first.status_code == retry.status_code == 201
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert order_count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_conflict(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    key = {"Idempotency-Key": "shop-4711"}
    api.post("/api/v1/orders", json=api_body(world), headers=key)

    changed = api.post("/api/v1/orders", json=api_body(world, notes="加急"), headers=key)

    assert changed.status_code == 409 and changed.mimetype == PROBLEM
    assert fields(changed) == {"Idempotency-Key"}
    assert order_count() == 1


def test_idempotency_keys_belong_to_the_caller(app, world):
    key = {"Idempotency-Key": "same-key"}
    mine = factories.ApiClient(app, world.users["sales"]).post("/api/v1/orders", json=api_body(world), headers=key)
    theirs = factories.ApiClient(app, world.users["customer_service"]).post(
        "/api/v1/orders", json=api_body(world, confirm_duplicate=True), headers=key)  # the same content, told apart

    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_bad_input_is_a_problem_naming_each_field(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    body = api_body(world, lines=[{"product_id": world.products[0].id, "quantity": "0"}])
    del body["customer_id"]

    response = api.post("/api/v1/orders", json=body)

    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert fields(response) == {"customer_id", "lines[0].quantity"}
    assert "lines[0].quantity" in response.get_json()["detail"]


def test_unknown_fields_missing_lines_and_bad_values_are_refused(app, world):
    api = factories.ApiClient(app, world.users["sales"])

    response = api.post("/api/v1/orders", json=api_body(world, lines=[], colour="red", delivery_method="drone",
                                                           requested_date="next week"))

    assert response.status_code == 400
    assert fields(response) == {"lines", "colour", "delivery_method", "requested_date"}


def test_invalid_json_is_a_problem_not_a_crash(app, world):
    api = factories.ApiClient(app, world.users["sales"])

    response = api.client.post("/api/v1/orders", data='{"customer_id": 1,',
                               headers={**api.headers, "Content-Type": "application/json"})

    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert "Invalid JSON" in response.get_json()["detail"]


def test_another_companys_customer_and_product_are_unknown_here(app, world):
    other = factories.build_world(app, code="XYZ")
    api = factories.ApiClient(app, world.users["sales"])

    customer = api.post("/api/v1/orders", json=api_body(world, customer_id=other.customers[0].id))
    product = api.post("/api/v1/orders", json=api_body(
        world, lines=[{"product_id": other.products[0].id, "quantity": "1"}]))

    assert customer.status_code == 400 and fields(customer) == {"customer_id"}
    assert f"customer {other.customers[0].id} does not exist" in customer.get_json()["detail"]
    assert product.status_code == 400 and fields(product) == {"lines[0].product_id"}
    assert order_count() == 0


def test_a_draft_is_patched_and_its_totals_follow(app, world):
    api = factories.ApiClient(app, world.users["customer_service"])
    order = draft(world)

    response = api.patch(f"/api/v1/orders/{order.id}", json={
        "customer_reference": "PO-2026-118",
        "lines": [{"product_id": world.products[0].id, "quantity": "3", "unit_price": "110.00"}],
    })

    assert response.status_code == 200, response.get_json()
    patched = response.get_json()
    assert patched["customer_reference"] == "PO-2026-118" and patched["total"] == "372.90"
    assert patched["requested_date"] == order.requested_date.isoformat()  # untouched fields stay
    timeline = api.get(f"/api/v1/orders/{order.id}/timeline").get_json()
    assert [entry["action"] for entry in timeline] == ["created", "updated"]
    assert timeline[1]["before"]["customer_reference"] is None
    assert timeline[1]["after"]["customer_reference"] == "PO-2026-118"


def test_a_patch_against_a_stale_version_is_refused(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    order = draft(world)
    read = api.get(f"/api/v1/orders/{order.id}").get_json()["version"]
    api.patch(f"/api/v1/orders/{order.id}", json={"notes": "first edit"}, headers={"If-Match": str(read)})

    stale = api.patch(f"/api/v1/orders/{order.id}", json={"notes": "second edit"}, headers={"If-Match": str(read)})

    assert stale.status_code == 409 and fields(stale) == {"If-Match"}
    assert api.get(f"/api/v1/orders/{order.id}").get_json()["notes"] == "first edit"


def test_submitting_numbers_the_order_and_it_can_no_longer_be_patched(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    created = api.post("/api/v1/orders", json=api_body(world)).get_json()

    submitted = api.post(f"/api/v1/orders/{created['id']}/submit")
    late_patch = api.patch(f"/api/v1/orders/{created['id']}", json={"notes": "one more thing"})

    assert submitted.status_code == 200
    today = world.company.today()
    assert submitted.get_json()["number"] == f"SO{today:%Y%m%d}-0001"
    assert submitted.get_json()["status"] == "approved"  # review is off for this app
    assert late_patch.status_code == 409 and late_patch.mimetype == PROBLEM
    assert "only a draft can be edited" in late_patch.get_json()["detail"]


def test_submitting_an_order_due_yesterday_names_the_requested_date(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    created = api.post("/api/v1/orders", json=api_body(
        world, requested_date=(date.today() - timedelta(days=1)).isoformat())).get_json()

    response = api.post(f"/api/v1/orders/{created['id']}/submit")

    assert response.status_code == 422 and fields(response) == {"requested_date"}
    assert response.get_json()["errors"][0]["severity"] == "blocking"
    assert api.get(f"/api/v1/orders/{created['id']}").get_json()["status"] == "draft"


def test_a_customer_user_cannot_read_another_customers_order(app, world):
    theirs = services.submit(draft(world, customer_id=world.customers[1].id), world.users["sales"])
    mine = services.submit(draft(world, customer_id=world.customers[0].id), world.users["sales"])
    commit()
    buyer = factories.ApiClient(app, world.users["customer"])

    assert buyer.get(f"/api/v1/orders/{theirs.id}").status_code == 404
    assert buyer.get(f"/api/v1/orders/{mine.id}").status_code == 200


def test_production_may_not_enter_or_submit_orders(app, world):
    api = factories.ApiClient(app, world.users["production"])
    order = draft(world)

    assert api.post("/api/v1/orders", json=api_body(world)).status_code == 403
    assert api.post(f"/api/v1/orders/{order.id}/submit").status_code == 403
    assert api.patch(f"/api/v1/orders/{order.id}", json={"notes": "x"}).status_code == 403


def test_the_openapi_document_describes_order_entry(app, world):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()

    assert {"get", "post"} <= set(spec["paths"]["/api/v1/orders"])
    assert "patch" in spec["paths"]["/api/v1/orders/{order_id}"]
    assert "post" in spec["paths"]["/api/v1/orders/{order_id}/submit"]
    headers = [p["name"] for p in spec["paths"]["/api/v1/orders"]["post"]["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]


def test_a_user_who_may_not_see_prices_may_not_set_them(app, world):
    from core.companies import set_role_permissions
    from core.db import commit

    # give production the right to enter orders, but still not to see prices
    production_role = world.users["production"].roles[0]
    set_role_permissions(production_role, production_role.permissions | {"order.create"}, actor=None)
    commit()
    api = factories.ApiClient(app, world.users["production"])
    body = {"customer_id": world.customers[0].id, "requested_date": "2030-01-31", "delivery_method": "freight",
            "lines": [{"product_id": world.products[0].id, "quantity": "1", "unit_price": "1.00"}]}
    refused = api.post("/api/v1/orders", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["errors"][0]["field"] == "lines[0].unit_price"
    del body["lines"][0]["unit_price"]
    assert api.post("/api/v1/orders", json=body).status_code == 201


def test_a_price_or_quantity_with_more_places_than_stored_is_refused_not_rounded(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    product = world.products[0].id
    cases = [
        ({"product_id": product, "quantity": "2", "unit_price": "10.1234567890"}, "lines[0].unit_price"),
        ({"product_id": product, "quantity": "2", "unit_price": "10.001"}, "lines[0].unit_price"),
        ({"product_id": product, "quantity": "2", "unit_price": "1e13"}, "lines[0].unit_price"),
        ({"product_id": product, "quantity": "1.0005"}, "lines[0].quantity"),
        ({"product_id": product, "quantity": "Infinity"}, "lines[0].quantity"),
        ({"product_id": product, "quantity": True}, "lines[0].quantity"),
    ]
    for line, field in cases:
        response = api.post("/api/v1/orders", json=api_body(world, lines=[line]))
        assert response.status_code == 400 and response.mimetype == PROBLEM, (line, response.get_json())
        assert fields(response) == {field}, (line, response.get_json())
    assert order_count() == 0

    exact = api.post("/api/v1/orders", json=api_body(world, lines=[
        {"product_id": product, "quantity": "1.500", "unit_price": "10.10"}]))
    assert exact.status_code == 201
    assert (exact.get_json()["lines"][0]["quantity"], exact.get_json()["lines"][0]["unit_price"]) == ("1.500", "10.10")


def test_an_id_that_is_not_an_integer_is_refused_naming_it(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    product = world.products[0].id
    for wrong in (product + 0.5, str(product), True, float(product)):
        response = api.post("/api/v1/orders", json=api_body(world, lines=[{"product_id": wrong, "quantity": "1"}]))
        assert response.status_code == 400, (wrong, response.get_json())
        assert response.get_json()["errors"] == [{"field": "lines[0].product_id", "message": "Not a valid integer."}]
        response = api.post("/api/v1/orders", json=api_body(world, customer_id=wrong))
        assert fields(response) == {"customer_id"}, (wrong, response.get_json())
    assert order_count() == 0
