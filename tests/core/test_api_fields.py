"""Integers the API reads, in queries and bodies: bounded, and out of range a 400 naming the parameter."""
from __future__ import annotations

import pytest

from core.db import MAX_ID, commit
from core.modules import set_enabled
from core.plugins import registry
from tests import factories

TOO_LARGE = 2**40


@pytest.fixture
def admin_api(app, world):
    # Every installed module on, also those a company switches on itself (stock): each operation answers.
    for manifest in registry().manifests.values():
        if not manifest.required:
            set_enabled(world.company, manifest.name, True, actor=None)
    commit()
    return factories.ApiClient(app, world.users["administrator"])


@pytest.fixture
def document(app):
    return app.extensions["ordo.api"].spec.to_dict()


def _resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _integers(document, schema, path: str):
    """(path, schema) of every integer a request body may carry, read-only properties left out."""
    schema = _resolve(document, schema)
    if schema.get("readOnly"):
        return
    if schema.get("type") == "integer":
        yield path, schema
    for name, child in schema.get("properties", {}).items():
        yield from _integers(document, child, f"{path}.{name}" if path else name)
    if "items" in schema:
        yield from _integers(document, schema["items"], f"{path}[]")
    for child in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
        yield from _integers(document, child, path)


def _operations(document):
    for path, operations in document["paths"].items():
        shared = operations.get("parameters", [])
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation, shared + operation.get("parameters", [])


def test_every_integer_the_api_reads_has_bounds_a_database_can_hold(document):
    unbounded = []
    for path, method, operation, parameters in _operations(document):
        read = [(f"{p['in']} {p['name']}", p.get("schema", {})) for p in parameters
                if p.get("schema", {}).get("type") == "integer"]
        for content in operation.get("requestBody", {}).get("content", {}).values():
            read += [(f"body {name}", schema) for name, schema in _integers(document, content["schema"], "")]
        unbounded += [f"{method.upper()} {path}: {name}" for name, schema in read
                      if not (0 <= schema.get("minimum", -1) and schema.get("maximum", MAX_ID + 1) <= MAX_ID)]
    assert unbounded == []


def test_an_out_of_range_integer_in_any_query_is_a_400_naming_it(admin_api, document):
    answers = {}
    for path, method, _operation, parameters in _operations(document):
        url = path
        for parameter in parameters:
            if parameter["in"] == "path":
                url = url.replace(f"{{{parameter['name']}}}", "1")
        for parameter in parameters:
            if parameter["in"] == "query" and parameter["schema"].get("type") == "integer":
                response = admin_api._call(method.upper(), f"{url}?{parameter['name']}={TOO_LARGE}")
                fields = [error["field"] for error in (response.get_json(silent=True) or {}).get("errors", [])]
                if response.status_code != 400 or parameter["name"] not in fields:
                    answers[f"{method.upper()} {path}?{parameter['name']}"] = response.status_code
    assert answers == {}
    assert admin_api.get(f"/api/v1/orders?page={'9' * 20}").status_code == 400


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/orders", {"customer_id": TOO_LARGE, "lines": [{"product_id": 1, "quantity": "1"}]}, "customer_id"),
    ("/api/v1/orders", {"customer_id": 1, "lines": [{"product_id": TOO_LARGE, "quantity": "1"}]},
     "lines[0].product_id"),
    ("/api/v1/payments", {"order_id": TOO_LARGE, "amount": "1.00"}, "order_id"),
    ("/api/v1/payments", {"order_id": 0, "amount": "1.00"}, "order_id"),
])
def test_an_out_of_range_id_in_a_body_is_a_400_naming_it(admin_api, path, body, field):
    response = admin_api.post(path, json={"requested_date": "2027-01-01", "delivery_method": "express", **body})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert field in [error["field"] for error in response.get_json()["errors"]]


@pytest.mark.parametrize("path", ["/orders", "/customers", "/products", "/invoices"])
def test_a_portal_list_past_any_page_a_database_can_count_shows_a_page(app, world, path):
    response = factories.portal_login(app, world.users["administrator"]).get(f"{path}?page={'9' * 20}")
    assert response.status_code == 200
