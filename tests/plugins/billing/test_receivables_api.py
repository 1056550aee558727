"""Collection's API: the ageing report as of a day, its amounts hidden without prices, bad input refused."""
from __future__ import annotations

import pytest

from core import companies
from core.db import commit
from tests.plugins.billing.ageing_rows import open_invoices
from tests.plugins.billing.test_receivables_ageing import SET

pytestmark = pytest.mark.usefixtures("hand_built_open_items")


def test_the_ageing_report_answers_the_figures_as_of_a_day(world, api):
    open_invoices(world, SET)
    commit()
    answer = api("finance").get("/api/v1/receivables/ageing?as_of=2026-03-31&group_by=customer")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["as_of"], body["group_by"], body["view"]) == ("2026-03-31", "customer", "days")
    assert [bucket["key"] for bucket in body["buckets"]] == ["not_due", "1_30", "31_60", "61_90", "91_180",
                                                             "over_180"]
    first = body["rows"][0]
    assert (first["key"], first["amounts"], first["total"], first["counts"], first["invoices"]) == (
        world.customers[0].id, ["1050.00", "300.00", "700.00", "0.00", "600.00", "100.00"], "2750.00",
        [2, 1, 1, 0, 1, 1], 6)
    assert [(row["currency"], row["total"]) for row in body["totals"]] == [("CNY", "5050.00")]

    years = api("finance").get("/api/v1/receivables/ageing?as_of=2026-03-31&group_by=salesperson&view=years")
    assert [(row["name"], row["amounts"]) for row in years.get_json()["rows"]] == [
        (world.users["sales"].name, ["2650.00", "0.00", "0.00", "100.00"]),
        ("No salesperson", ["1400.00", "900.00", "0.00", "0.00"])]


def test_the_ageing_report_hides_amounts_from_who_may_not_see_prices(world, api):
    open_invoices(world, SET)
    role = world.users["sales"].roles[0]
    companies.set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()
    body = api("sales").get("/api/v1/receivables/ageing?as_of=2026-03-31").get_json()
    assert body["rows"][0]["amounts"] is None and body["rows"][0]["total"] is None
    assert body["rows"][0]["counts"] == [2, 1, 1, 0, 1, 1]  # how many invoices is no amount
    assert body["totals"][0]["amounts"] is None
    assert api("production").get("/api/v1/receivables/ageing").status_code == 403


@pytest.mark.parametrize(("query", "field"), [
    ("as_of=yesterday", "as_of"),
    ("as_of=2026-13-01", "as_of"),
    ("as_of=2999-01-01", "as_of"),
    ("group_by=region", "group_by"),
    ("view=weeks", "view"),
])
def test_a_bad_ageing_request_is_a_400_naming_the_field(api, query, field):
    answer = api("finance").get(f"/api/v1/receivables/ageing?{query}")
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["errors"][0]["field"] == field


def test_the_ageing_report_is_in_the_openapi_document(app, api):
    document = api("finance").get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/receivables/ageing"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"as_of", "group_by", "view"}
    assert "200" in operation["responses"]
