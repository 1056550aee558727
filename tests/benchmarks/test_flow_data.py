"""The benchmarks' data: orders made by the demo's flows, cloned into every table an order touches, consistent."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from benchmarks import flow_data, pages
from core import cloning
from core.extensions import db
from core.models import Order, utcnow
from core.models.audit import AuditEntry
from plugins.billing.invoices.models import Invoice
from plugins.intake.models import IntakeSequence
from plugins.logistics.shipments.models import Shipment

ORDERS = 200


@pytest.fixture(scope="module")
def generated(own_database_url, tmp_path_factory):
    """The data of every test here, generated once: the tests only read it."""
    instance = tmp_path_factory.mktemp("instance")
    dataset = flow_data.generate(own_database_url, ORDERS, instance_path=instance)
    app = flow_data.make_app(own_database_url, instance)
    yield dataset, app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_generator_clones_the_flows_into_every_table_an_order_touches_consistently(generated):
    dataset, app = generated

    # Counts per status, row counts per table, no reference pointing nowhere, a clone's pages answer.
    assert flow_data.verify(app, dataset) == []
    # Every template is cloned as often as the others: the stages keep the demo's proportions.
    clones = [dataset.clones[order_id] for order_id in dataset.templates]
    assert sum(clones) == ORDERS - len(dataset.templates) and max(clones) - min(clones) <= 1
    assert set(dataset.templates.values()) >= {"draft", "submitted", "approved", "in_production", "shipped",
                                               "delivered", "completed", "rejected", "cancelled"}
    # The tables found from the metadata are the ones a flow writes, each holding its clones' rows.
    with app.app_context():
        touched = {plan.table.name for plan in cloning.order_tables()}
    written = {"order_line", "order_module", "intake_fingerprint", "audit_entry", "review_round", "review_step",
               "review_decision", "review_finding", "kpi_event", "outbox_message", "outbox_attachment",
               "logistics_shipment", "billing_invoice", "billing_payment", "billing_payment_allocation",
               "review_change_request",
               "order_revision", "intake_waiting", "logistics_plan", "logistics_task", "logistics_task_dependency",
               "logistics_shipment_line", "logistics_incident"}
    assert written <= touched
    for table in written:
        assert dataset.rows[table] > 0, table


def test_the_check_names_what_differs_from_the_expected_data(generated):
    dataset, app = generated
    template = next(order_id for order_id, status in dataset.templates.items() if status == "shipped")
    one_more = replace(dataset, clones=dataset.clones + Counter({template: 1}),
                       rows={**dataset.rows, "logistics_shipment": dataset.rows["logistics_shipment"] + 1})

    problems = flow_data.verify(app, one_more)

    assert any(problem.startswith("orders per status") and "'shipped'" in problem for problem in problems)
    assert any(problem.startswith("logistics_shipment:") for problem in problems)


def test_each_clone_has_its_own_number_day_and_references(generated):
    dataset, app = generated
    with app.app_context():
        session = db.session
        orders = session.execute(select(Order).where(Order.company_id == dataset.company_id)).scalars().all()
        numbered = [order for order in orders if order.number]
        assert len({order.number for order in numbered}) == len(numbered)
        # Spread over the year before now, settled orders furthest back; never in the future.
        now = utcnow()
        assert max(order.created_at for order in orders) <= now
        assert min(order.created_at for order in orders) < now - timedelta(days=200)
        assert all(order.submitted_at is None or order.submitted_at >= order.created_at for order in orders)
        # Each number is of its submission's day in the company's zone, and the day's counter continues after it.
        zone = ZoneInfo("Asia/Shanghai")
        per_day = Counter(order.submitted_at.astimezone(zone).date() for order in numbered)
        for order in numbered:
            assert order.number.startswith(f"SO{order.submitted_at.astimezone(zone):%Y%m%d}-")
        counters = dict(session.execute(select(IntakeSequence.day, IntakeSequence.last)).all())
        assert {day: counters.get(day) for day in per_day} == dict(per_day)
        # Shipments carry their own order's number, invoices a number of their own (each once); the audit log
        # names the clone's own rows.
        for shipment in session.execute(select(Shipment)).scalars():
            assert shipment.number.startswith(f"{shipment.order.number}-S")
        invoice_numbers = session.execute(select(Invoice.number)).scalars().all()
        assert len(set(invoice_numbers)) == len(invoice_numbers)
        misplaced = session.execute(
            select(func.count()).select_from(AuditEntry).join(Shipment, Shipment.id == AuditEntry.entity_id)
            .where(AuditEntry.entity == "shipment", AuditEntry.order_id != Shipment.order_id)).scalar()
        assert misplaced == 0
        # The customers are skewed: the platform shop places the most orders.
        by_customer = Counter(order.customer.code for order in orders)
        assert by_customer.most_common(1)[0][0] == flow_data.PLATFORM["code"]
        session.remove()


def test_the_page_benchmark_fills_every_get_route_from_the_data(generated):
    dataset, app = generated
    routes, skipped = pages.list_routes(app, pages.find_ids(app, dataset.company_id), None)
    listed = {route.rule for route in routes}
    every_get = {rule.rule for rule in app.url_map.iter_rules()
                 if "GET" in (rule.methods or ()) and rule.endpoint != "static"}
    # No flow uploads a photo with its acceptance, grants money back on a case or runs the monthly statements
    # (statements are per customer, made by a job, not cloned with an order): those routes (the photo in the API
    # and the portal, a credit note's PDF, a statement, its document and its stamped copy) have nothing to show.
    # Nor does a violation report (a member of staff files it, no flow does) or a month's supervision report
    # (made by a job once a month has ended).
    reasons = Counter(reason for _rule, reason in skipped)
    assert reasons["no attachment_id in the data"] == 2 and reasons["no credit_note_id in the data"] == 2
    assert {reason for reason in reasons if "statement_id" not in reason} == {
        "no attachment_id in the data", "no credit_note_id in the data", "no report_id in the data",
        "no monthly_id in the data"}
    assert all(rule.startswith(("/statements", "/api/v1/statements")) for rule, reason in skipped
               if "statement_id" in reason)
    assert listed | {rule for rule, _reason in skipped} == every_get


def test_the_page_benchmark_reads_the_order_list_in_its_middle_by_cursor(generated):
    """Page numbers reach only the first rows of the API's order list: the middle of it is a cursor's page."""
    dataset, app = generated
    routes, _skipped = pages.list_routes(app, pages.find_ids(app, dataset.company_id), "^/api/v1/orders$")
    first, middle = (route.path for route in routes)
    token = pages.api_tokens(app, dataset.company_id, ["administrator"])["administrator"]
    client = app.test_client()
    numbers = {}
    for path in (first, middle):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.get_json()
        numbers[path] = [item["id"] for item in response.get_json()["items"]]
    # The first page is the newest orders; the middle one starts past the middle order, half the list down.
    assert "cursor=" in middle and numbers[first] and len(numbers[middle]) == 50
    assert not set(numbers[first]) & set(numbers[middle])
