"""The facts kpi records from the stage events' payloads, and their rebuild from the audit log."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.contracts import Delivery, Payment, PaymentReversal
from core.db import commit
from core.extensions import Model, db
from core.models import Company, Customer, Order, utcnow
from core.modules import set_enabled
from core.orders import events
from core.orders.actions import mark_delivered
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.kpi.facts import rebuild
from plugins.kpi.facts.collection import CollectionKind, KpiCollection
from plugins.kpi.facts.models import KpiCase, KpiInvoice, KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage
from plugins.kpi.facts.rebuild import FACT_MODELS
from plugins.kpi.manifest import MANIFEST as KPI
from plugins.billing.collection import dunning, promises
from plugins.billing.collection.models import DunningNotice
from plugins.billing.invoices.models import Invoice
from plugins.logistics.cases.models import CaseSource, ProblemCase
from plugins.logistics.execution import services as execution_services
from plugins.logistics.execution.models import ExecutionTask
from plugins.logistics.manifest import MANIFEST as LOGISTICS
from plugins.review.manifest import MANIFEST as REVIEW
from tests import factories
from tests.core.test_queries import statements
from tests.factories import ApiClient
from tests.plugins.kpi.conftest import submit_order
from tests.plugins.logistics import execution
from tests.plugins.logistics.orders import submitted_order
from tests.plugins.logistics.test_acceptance_api import _dispatched
from tests.plugins.logistics.test_cases_api import _refuse_seals
from tests.plugins.review.desk import Desk


@pytest.fixture
def desk(make_app):
    """Intake, review and kpi: every order goes through the departments' review steps."""
    app = make_app(plugins=[INTAKE, REVIEW, KPI])
    with app.app_context():
        yield Desk(app, factories.build_world(app))


def approve_all(desk: Desk, order_id: int) -> None:
    while open_steps := [s for s in desk.steps(order_id) if s.status.value == "open"]:
        for step in open_steps:
            assert desk.decide("administrator", order_id, step.department, "approve").status_code == 200


def rows(model: type[Model], **where: Any) -> list[Any]:
    query = select(model).order_by(model.id)  # type: ignore[attr-defined]
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(db.session.execute(query).scalars())


def test_hook_order_submitted_records_the_intake_task_once_by_who_entered_the_order(world):
    order = submit_order(world)

    (intake,) = rows(KpiTask, order_id=order.id)
    assert intake.stage == TaskStage.INTAKE
    assert (intake.department, intake.person_id) == ("sales", world.users["sales"].id)
    assert intake.arrived_at == order.received_at
    assert intake.due_at == order.received_at + timedelta(hours=24)
    assert intake.done_at == order.submitted_at
    assert intake.on_time is True


def test_an_order_received_two_days_before_its_submission_was_entered_late(world):
    order = submit_order(world, received_hours_ago=48)

    (intake,) = rows(KpiTask, order_id=order.id)
    assert intake.on_time is False


def test_hook_review_decided_records_each_decided_step_with_its_decider_and_limit(desk):
    order_id = desk.place()
    approve_all(desk, order_id)

    steps = {step.department: step for step in desk.steps(order_id)}
    tasks = {task.department: task for task in rows(KpiTask, order_id=order_id, stage=TaskStage.REVIEW)}
    assert set(tasks) == set(steps)
    for department, task in tasks.items():
        step = steps[department]
        assert (task.arrived_at, task.due_at, task.done_at) == (step.opened_at, step.due_at, step.decided_at)
        assert task.person_id == desk.world.users["administrator"].id
        assert task.on_time is True  # decided at once, well within the limit


def test_a_send_back_and_resubmission_counts_intake_once_and_both_rounds_steps(desk):
    order_id = desk.place()
    assert desk.decide("administrator", order_id, "sales", "send_back", reason="数量有误").status_code == 200
    desk.submit(order_id)

    assert len(rows(KpiTask, order_id=order_id, stage=TaskStage.INTAKE)) == 1
    assert [task.department for task in rows(KpiTask, order_id=order_id, stage=TaskStage.REVIEW)] == ["sales"]


def test_hook_delivered_records_accuracy_and_rating_from_the_payload(world):
    order = submit_order(world)
    events.deliver(order, Delivery(signed_by="张三", signed_at=utcnow(), rating=4, refused_lines=1),
                   actor=world.users["logistics"])
    commit()

    (delivered,) = rows(KpiOrder, order_id=order.id)
    assert (delivered.rating, delivered.refused_lines, delivered.reserved_lines) == (4, 1, 0)
    assert delivered.accurate is False  # a refused line
    assert (delivered.customer_id, delivered.salesperson_id) == (order.customer_id, world.users["sales"].id)


def test_an_order_delivered_without_correction_or_refusal_is_accurate_and_falls_due_on_delivery(world):
    order = submit_order(world)  # cash on delivery
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    commit()

    (delivered,) = rows(KpiOrder, order_id=order.id)
    assert (delivered.accurate, delivered.corrections, delivered.rating) == (True, 0, None)
    (due,) = rows(KpiMoney, order_id=order.id)
    zone = world.company.zone
    assert due.kind == MoneyKind.DUE
    assert due.at.astimezone(zone).date() == order.delivered_at.astimezone(zone).date()


def test_hook_paid_and_payment_reversed_record_money_collected_and_taken_back(world):
    order = submit_order(world)
    received = utcnow() - timedelta(hours=2)
    events.record_payment(order, Payment(amount=Decimal("500.00"), received_at=received, is_prepayment=True,
                                         fully_paid=False), actor=world.users["finance"])
    events.reverse_payment(order, PaymentReversal(amount=Decimal("500.00"), reversed_at=received + timedelta(hours=1),
                                                  reason="录错", fully_paid=False), actor=world.users["finance"])
    commit()

    money = [(fact.kind, fact.amount, fact.at) for fact in rows(KpiMoney, order_id=order.id)]
    assert money == [(MoneyKind.COLLECTED, Decimal("500.00"), received),
                     (MoneyKind.COLLECTED, Decimal("-500.00"), received + timedelta(hours=1))]


def test_with_kpi_switched_off_no_fact_is_recorded(world):
    set_enabled(world.company, "kpi", False, actor=None)
    commit()
    order = submit_order(world)
    mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
    commit()

    assert all(rows(model, order_id=order.id) == [] for model in FACT_MODELS)


# --- rebuild -----------------------------------------------------------------------


def snapshot() -> dict[str, list[tuple]]:
    """Every fact of every table, without its id, in a stable order."""
    found = {}
    for model in (*FACT_MODELS, KpiCollection):
        table = model.__table__  # type: ignore[attr-defined]
        columns = [column for column in table.columns if column.name != "id"]
        found[table.name] = sorted(
            (tuple(row) for row in db.session.execute(select(*columns))),
            key=lambda row: tuple(str(value) for value in row))
    return found


def a_quarter_of_work(desk: Desk) -> list[int]:
    """Orders approved and changed, sent back and resubmitted, rejected, delivered with a rating, paid and
    reversed: every kind of fact."""
    world = desk.world
    changed = desk.place()
    approve_all(desk, changed)
    response = desk.api("customer_service").post(f"/api/v1/orders/{changed}/changes", json={
        "lines": [{"line_no": 1, "quantity": "15"}], "reason": "客户追加数量"})
    assert response.status_code == 201, response.get_json()
    approve_all(desk, changed)
    order = desk.order(changed)
    events.record_payment(order, Payment(amount=Decimal("800.00"), received_at=utcnow() - timedelta(days=1),
                                         is_prepayment=False, fully_paid=False), actor=world.users["finance"])
    events.reverse_payment(order, PaymentReversal(amount=Decimal("800.00"), reversed_at=utcnow(), reason="录错",
                                                  fully_paid=False), actor=world.users["finance"])
    events.deliver(order, Delivery(signed_by="张三", signed_at=utcnow(), rating=5, reserved_lines=1),
                   actor=world.users["logistics"])  # without billing, delivering completes it
    commit()

    resubmitted = desk.place()
    assert desk.decide("administrator", resubmitted, "sales", "send_back", reason="地址不全").status_code == 200
    desk.submit(resubmitted)
    approve_all(desk, resubmitted)
    order = desk.order(resubmitted)
    events.deliver(order, Delivery(signed_by="李四", signed_at=utcnow(), rating=3), actor=world.users["logistics"])
    commit()

    rejected = desk.place()
    assert desk.decide("administrator", rejected, "sales", "reject", reason="价格过低").status_code == 200
    return [changed, resubmitted, rejected]


def test_the_rebuild_from_the_audit_log_gives_the_facts_live_recording_gave(desk):
    a_quarter_of_work(desk)
    live = snapshot()
    # Every table has facts to compare; problem cases, invoices, dunning and promises are logistics' and billing's
    # (the same check with them, below).
    assert all(facts for name, facts in live.items() if name not in ("kpi_case", "kpi_invoice", "kpi_collection"))

    result = rebuild.rebuild(desk.world.company.id, utcnow())
    commit()

    assert snapshot() == live
    assert result.facts == {name: len(facts) for name, facts in live.items() if facts}


def test_a_rebuild_as_of_a_moment_leaves_out_what_happened_after_it(desk):
    before = utcnow()
    a_quarter_of_work(desk)

    rebuild.rebuild(desk.world.company.id, before)
    commit()

    assert all(facts == [] for facts in snapshot().values())


def test_ordo_kpi_rebuild_reports_per_company(desk):
    a_quarter_of_work(desk)
    live = snapshot()

    result = desk.app.test_cli_runner().invoke(args=["kpi", "rebuild"])

    assert result.exit_code == 0, result.output
    assert f"{desk.world.company.code}: " in result.output
    assert f"kpi_order {len(live['kpi_order'])}" in result.output
    assert snapshot() == live


# --- stage work logistics notifies: execution tasks, problem cases -------------------


@pytest.fixture
def shop(make_app):
    """Intake, logistics, billing and kpi: orders approved at submission, planned, shipped, accepted, their cases
    handled, invoiced."""
    app = make_app(plugins=[INTAKE, LOGISTICS, BILLING, KPI])
    with app.app_context():
        yield app, factories.build_world(app)


def planned_and_done(world) -> tuple[Order, list[ExecutionTask]]:
    """An order whose execution plan (the standard template) is confirmed and every task done by its person."""
    order = submitted_order(world)
    plan = execution_services.plan_of(order)
    execution_services.confirm_plan(plan, world.users["production"], accept_late=True)
    for task in plan.tasks:
        execution_services.complete_task(task, task.assignee)
    commit()
    return order, list(plan.tasks)


def refused_and_credited(app, world) -> tuple[Order, ProblemCase]:
    """The valves accepted with a reservation and two seals refused (two cases), the refused seals credited (the
    order is then delivered), and a problem with the valves reported afterwards (a third case)."""
    order = submitted_order(world)
    _refuse_seals(app, world, order)
    refused = db.session.execute(select(ProblemCase).where(
        ProblemCase.order_id == order.id, ProblemCase.source == CaseSource.REFUSAL)).scalar_one()
    assert ApiClient(app, world.users["manager"]).post(f"/api/v1/cases/{refused.id}/resolve", json={
        "resolution": "credit", "amount": "17.00", "note": "破损"}).status_code == 200
    assert ApiClient(app, world.users["customer"]).post(f"/api/v1/orders/{order.id}/cases", json={
        "case_type": "quality", "description": "阀门漏水"}).status_code == 201
    commit()
    return order, refused


def test_each_execution_task_done_is_work_of_its_department_and_person_against_its_due_time(shop):
    app, world = shop
    execution.template(world)
    order, tasks = planned_and_done(world)

    recorded = rows(KpiTask, order_id=order.id, stage=TaskStage.EXECUTION)
    assert [(fact.department, fact.person_id, fact.due_at, fact.done_at) for fact in recorded] == [
        (task.role, task.assignee_id, task.due_at, task.completed_at) for task in tasks]
    first, second = recorded[:2]
    plan = execution_services.plan_of(order)
    assert first.arrived_at == plan.confirmed_at  # nothing to wait for: it arrived with the plan
    assert second.arrived_at == first.done_at  # it waited for the first
    assert all(fact.on_time is (fact.done_at <= fact.due_at) for fact in recorded)
    assert all(fact.seconds == int((fact.done_at - fact.arrived_at).total_seconds()) for fact in recorded)


def test_problem_cases_make_the_delivered_order_inaccurate_whether_opened_before_or_after_its_delivery(shop):
    app, world = shop
    order, refused = refused_and_credited(app, world)

    assert [(case.source, case.department) for case in rows(KpiCase, order_id=order.id)] == [
        ("reservation", "customer_service"), ("refusal", "logistics"), ("report", "production")]
    (delivered,) = rows(KpiOrder, order_id=order.id)
    # Two cases opened at acceptance were counted by the delivery, the third when it was reported.
    assert (delivered.cases, delivered.reserved_lines, delivered.accurate) == (3, 1, False)
    (resolved,) = rows(KpiTask, order_id=order.id, stage=TaskStage.CASE)
    assert (resolved.department, resolved.person_id, resolved.arrived_at, resolved.due_at, resolved.done_at) == (
        "logistics", world.users["manager"].id, refused.opened_at, refused.due_at, refused.resolved_at)
    assert resolved.on_time is True


def test_an_order_delivered_accurate_is_no_longer_once_a_problem_is_reported(shop):
    app, world = shop
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    customer = ApiClient(app, world.users["customer"])
    assert customer.post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={"signed_by": "王海"}
                         ).status_code == 200
    (delivered,) = rows(KpiOrder, order_id=order.id)
    assert (delivered.cases, delivered.accurate) == (0, True)

    assert customer.post(f"/api/v1/orders/{order.id}/cases", json={
        "case_type": "late", "description": "晚到两天"}).status_code == 201
    commit()

    db.session.refresh(delivered)
    assert (delivered.cases, delivered.accurate) == (1, False)


def test_each_invoice_issued_is_recorded_with_its_amount_and_due_date(shop):
    app, world = shop
    order = submitted_order(world)
    shipment = _dispatched(app, world, order)
    assert ApiClient(app, world.users["customer"]).post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={
        "signed_by": "王海"}).status_code == 200
    commit()

    (invoice,) = rows(KpiInvoice, order_id=order.id)
    billed = db.session.execute(select(Invoice).where(Invoice.order_id == order.id)).scalar_one()
    assert (invoice.number, invoice.version, invoice.amount, invoice.currency, invoice.issued_at,
            invoice.due_date) == (billed.number, 1, order.total, "CNY", billed.issued_at, billed.due_date)
    assert (invoice.customer_id, invoice.salesperson_id) == (order.customer_id, world.users["sales"].id)


def dunned_and_promised(world, order: Order) -> None:
    """The order's invoice fell due ten days ago: the dunning run sends its first notice; the customer then
    promises part of it for today and pays nothing, and the run two days later finds the promise broken."""
    db.session.execute(update(Invoice).where(Invoice.order_id == order.id)
                       .values(due_date=world.company.today() - timedelta(days=10)))
    company = db.session.get_one(Company, world.company.id)
    dunning.run_dunning(company, utcnow())
    commit()
    promises.make_promise(db.session.get_one(Customer, order.customer_id), amount=Decimal("10.00"),
                          promised_for=world.company.today(), actor=world.users["manager"])
    commit()
    dunning.run_dunning(company, utcnow() + timedelta(days=2))
    commit()


def test_dunning_notices_and_promises_count_for_the_customer_and_who_entered_or_took_them(shop):
    app, world = shop
    order, _case = refused_and_credited(app, world)

    dunned_and_promised(world, order)

    facts = [(fact.kind, fact.customer_id, fact.salesperson_id, fact.order_id, fact.level, fact.amount)
             for fact in rows(KpiCollection)]
    invoiced = db.session.execute(select(Invoice).where(Invoice.order_id == order.id)
                                  .order_by(Invoice.version.desc()).limit(1)).scalar_one()
    assert facts[0][:5] == (CollectionKind.DUNNING, order.customer_id, world.users["sales"].id, order.id, 1)
    assert rows(KpiCollection)[0].invoice_number == invoiced.number
    assert facts[1:] == [
        (CollectionKind.PROMISED, order.customer_id, world.users["manager"].id, None, None, Decimal("10.00")),
        (CollectionKind.BROKEN, order.customer_id, world.users["manager"].id, None, None, Decimal("10.00"))]


def test_with_kpi_switched_off_no_dunning_or_promise_is_recorded(shop):
    app, world = shop
    order, _case = refused_and_credited(app, world)
    set_enabled(world.company, "kpi", False, actor=None)
    commit()

    dunned_and_promised(world, order)

    assert db.session.execute(select(func.count()).select_from(DunningNotice)).scalar_one() == 1
    assert rows(KpiCollection) == []


def test_the_rebuild_gives_the_execution_case_invoice_and_collection_facts_live_recording_gave(shop):
    app, world = shop
    execution.template(world)
    planned_and_done(world)
    order, _case = refused_and_credited(app, world)
    dunned_and_promised(world, order)
    live = snapshot()
    assert all(live.values())  # every table has facts to compare
    assert {TaskStage.EXECUTION, TaskStage.CASE} <= {task.stage for task in rows(KpiTask)}

    result = rebuild.rebuild(world.company.id, utcnow())
    commit()

    assert snapshot() == live
    assert result.facts == {name: len(facts) for name, facts in live.items()}


def test_a_shipment_signed_for_with_reservations_counts_its_cases_on_the_delivered_order_in_one_write(shop):
    """Signing for the whole shipment with reservations delivers the order, then opens a case per line: the
    delivered order counts them in one write, not one per line."""
    app, world = shop
    order = submitted_order(world)  # two lines
    shipment = _dispatched(app, world, order)
    with statements(db.engine) as seen:
        assert ApiClient(app, world.users["customer"]).post(
            f"/api/v1/shipments/{shipment['id']}/acceptance",
            json={"signed_by": "王海", "reservations": "外箱压痕"}).status_code == 200

    (delivered,) = rows(KpiOrder, order_id=order.id)
    assert (delivered.cases, delivered.accurate) == (2, False)
    assert len(rows(KpiCase, order_id=order.id)) == 2
    assert len([sql for sql in seen if sql.lstrip().upper().startswith("UPDATE KPI_ORDER")]) == 1
