"""The dry-run: what every rule and step would say about an order, from the API and the command line,
without deciding or writing anything."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OrderStatus
from core.plugins import registry
from tests import factories
from plugins.review.models import ReviewFinding, ReviewStep


def counts() -> tuple[int, int, int]:
    return tuple(db.session.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[return-value]
                 for table in (ReviewStep, ReviewFinding, AuditEntry))


def test_the_preview_shows_every_step_and_finding_and_writes_nothing(desk, world):
    world.customers[0].credit_limit = Decimal("1000.00")
    commit()
    order_id = desk.draft(("P001", "10", "90.00"))  # under the floor price, over the credit limit
    finance = desk.api("finance")
    before = counts()

    response = finance.get(f"/api/v1/orders/{order_id}/review-preview")

    assert response.status_code == 200
    body = response.get_json()
    assert [(s["department"], s["sequence"], s["policy"]) for s in body["steps"]] == [
        ("sales", 10, "any"), ("manager", 15, "any"), ("finance", 20, "any"), ("production", 30, "any")]
    rules = {f["rule"]: (f["verdict"], f["department"]) for f in body["findings"]}
    assert rules["floor_price"] == ("reject", "finance") and rules["credit_limit"] == ("needs_step", "sales")
    assert body["rejected"] is True
    assert counts() == before
    assert desk.order(order_id).status == OrderStatus.DRAFT


def test_the_preview_of_an_order_of_another_company_is_not_found(desk, app):
    order_id = desk.draft()
    other = factories.build_world(app, "XYZ")
    response = factories.ApiClient(app, other.users["finance"]).get(f"/api/v1/orders/{order_id}/review-preview")
    assert response.status_code == 404


def test_ordo_review_dry_run_prints_the_steps_and_findings(app, desk):
    order_id = desk.place(("P001", "10", "120.00"))
    number = desk.order(order_id).number
    before = counts()

    result = app.test_cli_runner().invoke(args=["review", "dry-run", number])

    assert result.exit_code == 0, result.output
    assert f"order {number}" in result.output
    assert "step 10 sales: any, 24 working hours" in result.output
    assert "info approve receivables: receivables_unknown" in result.output
    assert counts() == before
    missing = app.test_cli_runner().invoke(args=["review", "dry-run", "SO-NOPE"])
    assert missing.exit_code != 0 and "no order SO-NOPE" in missing.output


def test_the_rules_ask_for_the_customers_receivables_once(app, desk, world):
    """Three rules read what the customer owes (credit limit, overdue invoices, history); billing's answer reads
    every invoice of the customer, so it is asked once per preview."""
    order_id = desk.draft(("P001", "10", "120.00"))
    asked: list[str] = []
    with app.app_context():
        manager = registry().pm
    undo = manager.add_hookcall_monitoring(lambda name, impls, kwargs: asked.append(name),
                                           lambda outcome, name, impls, kwargs: None)
    try:
        response = desk.api("finance").get(f"/api/v1/orders/{order_id}/review-preview")
    finally:
        undo()

    assert response.status_code == 200
    assert asked.count("customer_receivables") == 1
