"""The OpenAPI document: valid OpenAPI 3, decimals described as the strings they are, every error declared."""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from openapi_spec_validator import validate

from core.api import ERROR_STATUSES
from core.db import commit
from tests import factories, orders

METHODS = {"get", "put", "post", "patch", "delete"}
BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "x-minimum", "x-maximum"}


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def properties(document: dict) -> Iterator[tuple[str, str, dict]]:
    """Every property of every schema component: (schema, field, property)."""
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            yield name, field, prop
            if "items" in prop:
                yield name, f"{field}[]", prop["items"]


def test_the_document_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.")
    validate(document)  # raises on anything OpenAPI 3 refuses, such as "minimum": "0.00"


def test_no_field_is_a_number_and_no_string_has_numeric_bounds(document):
    for name, field, prop in properties(document):
        assert prop.get("type") != "number", (name, field)
        if prop.get("type") == "string":
            assert not BOUNDS & set(prop), (name, field, prop)


@pytest.mark.parametrize("schema, field, pattern", [
    ("Product", "list_price", r"^\d{1,12}(\.\d{1,2})?$"),
    ("Product", "tax_rate", r"^\d{1,2}(\.\d{1,4})?$"),
    ("Customer", "credit_limit", r"^\d{1,12}(\.\d{1,2})?$"),
    ("OrderLineInput", "quantity", r"^\d{1,11}(\.\d{1,3})?$"),
    ("OrderLine", "quantity", r"^-?\d{1,11}(\.\d{1,3})?$"),
    ("PaymentRequest", "amount", r"^\d{1,12}(\.\d{1,2})?$"),
    ("Order", "total", r"^\d{1,12}(\.\d{1,2})?$"),
    ("Invoice", "outstanding", r"^\d{1,12}(\.\d{1,2})?$"),
    ("Kpi", "collected", r"^-?\d+(\.\d{1,2})?$"),
])
def test_decimals_are_strings_with_the_pattern_of_their_column(document, schema, field, pattern):
    prop = document["components"]["schemas"][schema]["properties"][field]
    assert (prop["type"], prop["format"], prop["pattern"]) == ("string", "decimal", pattern)
    if "example" in prop:
        assert re.search(pattern, prop["example"]), prop


def test_every_decimal_sent_matches_its_documented_pattern(app, world, document):
    order = orders.submitted(world)
    commit()
    sent = factories.ApiClient(app, world.users["sales"]).get(f"/api/v1/orders/{order.id}").get_json()
    schemas = document["components"]["schemas"]
    checked = 0
    for values, schema in [(sent, schemas["Order"]), *((line, schemas["OrderLine"]) for line in sent["lines"])]:
        for field, prop in schema["properties"].items():
            if prop.get("format") == "decimal":
                assert re.search(prop["pattern"], values[field]), (field, values[field])
                checked += 1
    assert checked >= 9
    assert Decimal(sent["total"]) == order.total


def test_every_operation_declares_its_errors_as_problem_json_and_nothing_else(document):
    operations = [(path, method, operation) for path, item in document["paths"].items()
                  for method, operation in item.items() if method in METHODS]
    assert len(operations) >= 30
    for path, method, operation in operations:
        responses = operation["responses"]
        assert "default" not in responses, (method, path)
        for status in ERROR_STATUSES:
            assert responses[str(status.value)] == {"$ref": f"#/components/responses/{status.name}"}, (method, path)
    for status in ERROR_STATUSES:
        content = document["components"]["responses"][status.name]["content"]
        assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
