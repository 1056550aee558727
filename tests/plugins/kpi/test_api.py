"""GET /api/v1/kpi: the figures of a period for managers and supervisors."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import Role, RolePermission, utcnow
from core.modules import set_enabled
from core.orders.actions import mark_delivered
from plugins.kpi.facts.models import KpiEventKind
from tests.factories import ApiClient
from tests.plugins.kpi.conftest import submit_order


def test_a_supervisor_reads_the_counts_of_the_last_thirty_days(app, world):
    order = submit_order(world)
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    commit()

    response = ApiClient(app, world.users["supervisor"]).get("/api/v1/kpi")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert body["date_to"] == today.isoformat()
    assert body["date_from"] == (today - timedelta(days=29)).isoformat()
    assert body["counts"] == {**{kind.value: 0 for kind in KpiEventKind},
                              "submitted": 1, "approved": 1, "delivered": 1, "completed": 1}
    assert body["approval_rate"] == "1.0000"
    assert body["collected"] == "0.00"
    assert body["average_decision_hours"] is not None


def test_a_period_with_nothing_decided_answers_null_figures(app, world):
    submit_order(world)

    response = ApiClient(app, world.users["manager"]).get("/api/v1/kpi?date_from=2020-01-01&date_to=2020-01-31")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["date_from"], body["date_to"]) == ("2020-01-01", "2020-01-31")
    assert set(body["counts"].values()) == {0}
    assert body["approval_rate"] is None
    assert body["average_decision_hours"] is None


def test_reversed_dates_are_refused_naming_date_from(app, world):
    response = ApiClient(app, world.users["manager"]).get("/api/v1/kpi?date_from=2026-03-02&date_to=2026-03-01")

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert [error["field"] for error in response.get_json()["errors"]] == ["date_from"]


def test_a_date_that_is_not_a_date_is_refused_naming_the_field(app, world):
    response = ApiClient(app, world.users["manager"]).get("/api/v1/kpi?date_to=tomorrow")

    assert response.status_code == 400
    assert [error["field"] for error in response.get_json()["errors"]] == ["date_to"]


def test_dates_outside_the_calendar_the_api_counts_are_refused_naming_the_field(app, world):
    client = ApiClient(app, world.users["manager"])

    for query, field in (("date_to=9999-12-31", "date_to"), ("date_from=0001-01-01", "date_from"),
                         ("date_to=0001-01-05", "date_to")):
        response = client.get(f"/api/v1/kpi?{query}")
        assert response.status_code == 400, query
        assert [error["field"] for error in response.get_json()["errors"]] == [field]


def test_sales_and_customers_may_not_read_kpis(app, world):
    for role in ("sales", "customer"):
        response = ApiClient(app, world.users[role]).get("/api/v1/kpi")
        assert response.status_code == 403, role
        assert response.get_json()["permissions"] == ["kpi.view"], role


def test_a_company_with_kpi_switched_off_has_no_kpi_resource(app, world):
    set_enabled(world.company, "kpi", False, actor=None)
    commit()

    response = ApiClient(app, world.users["manager"]).get("/api/v1/kpi")

    assert response.status_code == 404
    assert response.get_json()["detail"] == "the KPIs module is not enabled for your company"


def test_the_openapi_document_describes_the_kpi_query_and_counts(app, world):
    document = ApiClient(app, world.users["manager"]).get("/api/v1/openapi.json").get_json()

    operation = document["paths"]["/api/v1/kpi"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"date_from", "date_to", "by"}
    counts = document["components"]["schemas"]["KpiCounts"]["properties"]
    assert set(counts) == {kind.value for kind in KpiEventKind}


def test_the_indicators_come_with_the_counts_broken_down_as_asked(app, world):
    order = submit_order(world)
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    commit()

    body = ApiClient(app, world.users["supervisor"]).get("/api/v1/kpi?by=customer").get_json()

    indicators = body["indicators"]
    assert indicators["by"] == "customer"
    assert indicators["timeliness"] is None  # tasks are broken down by department or person
    (accuracy,) = indicators["accuracy"]
    assert (accuracy["key"]["code"], accuracy["delivered"], accuracy["accurate"], accuracy["rate"]) == (
        "C001", 1, 1, "1.0000")
    (collection,) = indicators["collection"]
    assert (collection["due"], collection["collected"], collection["rate"]) == ("1356.00", "0.00", "0.0000")


def test_the_collection_amounts_are_hidden_from_who_may_not_see_prices(app, world):
    order = submit_order(world)
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    production = db.session.execute(select(Role).where(Role.company_id == world.company.id,
                                                       Role.name == "production")).scalar_one()
    production.grants.append(RolePermission(permission="kpi.view"))
    commit()

    body = ApiClient(app, world.users["production"]).get("/api/v1/kpi").get_json()

    (collection,) = body["indicators"]["collection"]
    assert (collection["due"], collection["collected"], collection["outstanding"]) == (None, None, None)
    assert collection["rate"] == "0.0000"  # a ratio, not an amount


def test_a_breakdown_that_does_not_exist_is_refused_naming_by(app, world):
    response = ApiClient(app, world.users["manager"]).get("/api/v1/kpi?by=region")

    assert response.status_code == 400
    assert [error["field"] for error in response.get_json()["errors"]] == ["by"]
