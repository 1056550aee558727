"""The OpenAPI document: valid OpenAPI 3, decimals described as the strings they are, every error declared."""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from openapi_schema_validator import OAS30ReadValidator
from openapi_spec_validator import validate

from core.api import ERROR_STATUSES
from core.db import commit
from core.inbox import MAX_LISTED
from tests import factories, orders
from tests.flows import STAGES, Flow

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


def test_the_order_statuses_are_the_core_s_own_with_in_production(document):
    statuses = document["components"]["schemas"]["Order"]["properties"]["status"]["enum"]
    assert statuses.index("approved") < statuses.index("in_production") < statuses.index("shipped")


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


PAGED_LISTS = {"/api/v1/orders", "/api/v1/customers", "/api/v1/products", "/api/v1/outbox", "/api/v1/invoices",
               "/api/v1/imports", "/api/v1/statements", "/api/v1/dunning-notices", "/api/v1/stock",
               "/api/v1/stock/moves", "/api/v1/stock/lots"}
# The inbox merges every plugin's tasks: numbered pages within its reach, no cursor (core.inbox).
INBOX = "/api/v1/tasks"


def test_every_paged_list_takes_a_cursor_and_answers_where_the_next_page_starts(document):
    paged = {path for path, item in document["paths"].items()
             if any(parameter["name"] == "page" for parameter in item.get("get", {}).get("parameters", []))}
    assert paged == PAGED_LISTS | {INBOX}
    for path in PAGED_LISTS:
        operation = document["paths"][path]["get"]
        parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
        assert {"page", "per_page", "cursor"} <= set(parameters), path
        assert parameters["page"]["schema"]["maximum"] == 10_000, path
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        fields = document["components"]["schemas"][answer]["properties"]
        assert set(fields) == {"items", "total", "total_capped", "page", "per_page", "next_cursor", "next"}, path
        assert fields["next"]["nullable"] and fields["next_cursor"]["nullable"] and fields["page"]["nullable"], path


def test_the_inbox_pages_by_number_within_its_reach_and_answers_its_totals(document):
    operation = document["paths"][INBOX]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {"page", "per_page"}
    assert parameters["page"]["schema"]["maximum"] == MAX_LISTED
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = document["components"]["schemas"][answer]["properties"]
    assert set(fields) == {"items", "total", "late", "kinds", "page", "per_page", "next"}
    assert fields["next"]["nullable"]


class Conformance:
    """Checks a response against what the document declares for its operation: status, content type, body."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.routes = [(re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path))), path)
                       for path in document["paths"]]
        self.checked: set[tuple[str, str, int]] = set()

    def operation(self, method: str, url: str) -> tuple[str, dict]:
        path = url.partition("?")[0]
        for pattern, template in self.routes:
            if pattern.fullmatch(path) and method.lower() in self.document["paths"][template]:
                return template, self.document["paths"][template][method.lower()]
        raise AssertionError(f"{method} {path} is not in the OpenAPI document")

    def check(self, method: str, url: str, response) -> None:
        template, operation = self.operation(method, url)
        status = str(response.status_code)
        assert status in operation["responses"], (method, template, status, response.get_data(as_text=True))
        declared = operation["responses"][status]
        if "$ref" in declared:
            declared = self.document["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
        content = declared.get("content", {})
        assert response.mimetype in content, (method, template, status, response.mimetype, list(content))
        schema = content[response.mimetype].get("schema")
        if schema and response.mimetype.endswith("json"):
            OAS30ReadValidator({**schema, "components": self.document["components"]}).validate(response.get_json())
        self.checked.add((method, template, response.status_code))

    def watch(self, api: factories.ApiClient) -> factories.ApiClient:
        call = api._call

        def checked_call(method: str, path: str, *args, **kwargs):
            response = call(method, path, *args, **kwargs)
            self.check(method, path, response)
            return response

        api._call = checked_call  # type: ignore[method-assign]
        return api


def test_what_the_api_sends_through_an_order_s_whole_life_is_what_the_document_declares(app, document):
    """Every response of a whole order, under all stages and under none, for every role that reads it."""
    conformance = Conformance(document)
    for code, stages in (("FULL", set(STAGES)), ("BARE", set())):
        world = factories.build_world(app, code, modules={stage: stage in stages for stage in STAGES})
        flow = Flow(app, world)
        for api in flow.api.values():
            conformance.watch(api)
        customer = conformance.watch(factories.ApiClient(app, world.customer_user))
        order = flow.run(stages)
        assert order["status"] == "completed"
        draft = flow.create()
        for api in [*flow.api.values(), customer]:
            for path in ("/api/v1/me", "/api/v1/tasks", "/api/v1/modules", "/api/v1/plugins", "/api/v1/orders",
                         f"/api/v1/orders/{order['id']}", f"/api/v1/orders/{draft['id']}",
                         f"/api/v1/orders/{order['id']}/timeline", f"/api/v1/orders/{order['id']}/reviews",
                         f"/api/v1/orders/{order['id']}/shipments", f"/api/v1/orders/{order['id']}/payments",
                         f"/api/v1/orders/{order['id']}/execution", "/api/v1/execution-templates",
                         "/api/v1/invoices", "/api/v1/kpi", "/api/v1/customers", "/api/v1/products",
                         f"/api/v1/customers/{world.customers[0].id}", f"/api/v1/products/{world.products[0].id}",
                         f"/api/v1/orders/{order['id']}/documents/confirmation", "/api/v1/orders/999999"):
                api.get(path)
        admin = flow.api["administrator"]
        admin.patch(f"/api/v1/customers/{world.customers[0].id}", json={"contact": None, "credit_limit": "10.00"})
        admin.patch(f"/api/v1/products/{world.products[0].id}", json={"specification": None})
        admin.patch(f"/api/v1/orders/{draft['id']}", json={"notes": None}, headers={"If-Match": '"99"'})
        admin.post(f"/api/v1/orders/{order['id']}/submit")
        admin.put("/api/v1/modules/kpi", json={"enabled": False})
        admin.post("/api/v1/customers", json={"code": "C900", "name": "新客户", "email": None, "credit_limit": "0"})
        admin.post("/api/v1/products", json={"code": "P900", "name": "新产品", "list_price": "10", "floor_price": "8"})
        sign_in = {"username": world.users["sales"].username, "password": factories.PASSWORD}
        conformance.check("POST", "/api/v1/tokens", app.test_client().post("/api/v1/tokens", json=sign_in))
    statuses = {status for _, _, status in conformance.checked}
    assert {200, 201, 404, 409} <= statuses
    assert len({(method, template) for method, template, _ in conformance.checked}) >= 32
