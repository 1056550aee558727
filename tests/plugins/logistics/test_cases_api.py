"""Problem cases (procedure 七): a refused line or a reservation opens a case routed to a department with a
time limit; the customer reports a problem later; a case is resolved once, by a replacement or a credit."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.contracts import CaseOpened, CaseResolved
from core.extensions import db
from core.models import AuditEntry, OrderStatus, OutboxMessage
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.logistics.cases.models import CaseSource, CaseType, ProblemCase
from plugins.logistics.manifest import MANIFEST as LOGISTICS
from tests import factories, witness
from tests.factories import ApiClient, reload
from tests.plugins.logistics.orders import submitted_order
from tests.plugins.logistics.test_acceptance_api import _dispatched, _lines


def _api(app, world, role="logistics") -> ApiClient:
    return ApiClient(app, world.users[role])


def _refuse_seals(app, world, order) -> tuple[dict, dict]:
    """The valves accepted with a reservation, two seals refused as damaged."""
    shipment = _dispatched(app, world, order)
    valve, seal = _lines(shipment)
    reply = _api(app, world, "customer").post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={"lines": [
        {"shipment_line_id": valve["id"], "verdict": "accepted_with_reservations", "note": "外箱压痕"},
        {"shipment_line_id": seal["id"], "verdict": "refused", "refused_quantity": "2", "reason": "damaged"}]})
    assert reply.status_code == 200, reply.get_json()
    return shipment, seal


def _cases(app, world, order, role="customer_service") -> list[dict]:
    reply = _api(app, world, role).get(f"/api/v1/orders/{order.id}/cases")
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


def test_a_refused_line_and_a_reservation_open_cases_routed_by_type_with_a_time_limit(app, world):
    order = submitted_order(world)
    _refuse_seals(app, world, order)
    reserved, refused = _cases(app, world, order)
    assert (refused["case_type"], refused["source"], refused["department"], refused["quantity"]) == (
        "damaged", "refusal", "logistics", "2.000")
    assert (reserved["case_type"], reserved["source"], reserved["description"]) == ("other", "reservation", "外箱压痕")
    assert refused["due_at"] > refused["opened_at"] and refused["status"] == "open"
    assert [case["number"] for case in _cases(app, world, order, "customer")] == [reserved["number"],
                                                                                     refused["number"]]


def test_a_replacement_ships_the_refused_quantity_and_the_order_is_delivered_when_it_is_accepted(app, world):
    order = submitted_order(world)
    _refuse_seals(app, world, order)
    refused = next(case for case in _cases(app, world, order) if case["source"] == "refusal")
    resolved = _api(app, world).post(f"/api/v1/cases/{refused['id']}/resolve", json={"resolution": "replace"})
    assert resolved.status_code == 200, resolved.get_json()
    replacement = resolved.get_json()["replacement_shipment_id"]
    shipments = _api(app, world).get(f"/api/v1/orders/{order.id}/shipments").get_json()
    [again] = [s for s in shipments if s["id"] == replacement]
    assert [line["quantity"] for line in again["lines"]] == ["2.000"]
    twice = _api(app, world).post(f"/api/v1/cases/{refused['id']}/resolve", json={"resolution": "repair"})
    assert twice.status_code == 409 and "resolution" in str(twice.get_json())
    told = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "logistics.case_resolved")
                              ).scalars().all()
    assert len(told) == 1 and refused["number"] in told[0].subject

    _api(app, world).post(f"/api/v1/shipments/{replacement}/check", json={"lines": [
        {"order_line_id": again["lines"][0]["order_line_id"], "result": "pass"}]})
    _api(app, world).post(f"/api/v1/shipments/{replacement}/dispatch")
    done = _api(app, world, "customer").post(f"/api/v1/shipments/{replacement}/acceptance", json={
        "lines": [{"shipment_line_id": again["lines"][0]["id"], "verdict": "accepted"}], "rating": 5})
    assert done.get_json()["order_status"] in ("delivered", "completed")


def test_a_credit_settles_the_refused_quantity_and_is_no_larger_than_the_line(app, world):
    order = submitted_order(world)
    _refuse_seals(app, world, order)
    refused = next(case for case in _cases(app, world, order) if case["source"] == "refusal")
    line = next(line for line in reload(order).lines if line.id == refused["order_line_id"])
    url = f"/api/v1/cases/{refused['id']}/resolve"

    too_much = _api(app, world, "manager").post(url, json={"resolution": "credit",
                                                            "amount": str(line.amount + Decimal("0.01"))})
    assert too_much.status_code == 400 and "amount" in str(too_much.get_json())
    not_allowed = _api(app, world).post(url, json={"resolution": "credit", "amount": "1.00"})
    assert not_allowed.status_code == 403
    assert reload(order).status == OrderStatus.SHIPPED  # nothing changed

    granted = _api(app, world, "manager").post(url, json={"resolution": "credit", "amount": "5.00",
                                                           "note": "两个密封圈破损"})
    assert granted.status_code == 200, granted.get_json()
    assert granted.get_json()["credit_amount"] == "5.00"
    assert reload(order).status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED)  # nothing is owed any more
    # A role without order.view_prices sees the case, not the amount.
    hidden = next(case for case in _cases(app, world, order, "logistics") if case["id"] == refused["id"])
    assert hidden["resolution"] == "credit" and hidden["credit_amount"] is None


def test_credits_on_one_line_never_add_up_to_more_than_the_line_whatever_the_cases_and_reopenings(app, world):
    order = submitted_order(world)
    _refuse_seals(app, world, order)
    refused = next(case for case in _cases(app, world, order) if case["source"] == "refusal")
    line = next(line for line in reload(order).lines if line.id == refused["order_line_id"])
    url = f"/api/v1/cases/{refused['id']}/resolve"
    manager = _api(app, world, "manager")
    assert manager.post(url, json={"resolution": "credit", "amount": "5.00"}).status_code == 200
    reopened = _api(app, world, "customer").post(f"/api/v1/cases/{refused['id']}/reopen", json={"reason": "还漏"})
    assert reopened.status_code == 200, reopened.get_json()

    left = line.amount - Decimal("5.00")
    over = manager.post(url, json={"resolution": "credit", "amount": str(left + Decimal("0.01"))})
    assert over.status_code == 400 and "amount" in str(over.get_json())
    assert manager.post(url, json={"resolution": "credit", "amount": str(left)}).status_code == 200
    assert db.session.get(ProblemCase, refused["id"]).credited == line.amount

    # A later report on the same line has nothing left to credit on it.
    later = _api(app, world, "customer").post(f"/api/v1/orders/{order.id}/cases", json={
        "case_type": "quality", "description": "又坏了", "order_line_id": line.id})
    assert later.status_code == 201, later.get_json()
    nothing_left = manager.post(f"/api/v1/cases/{later.get_json()['id']}/resolve",
                                json={"resolution": "credit", "amount": "0.01"})
    assert nothing_left.status_code == 400 and "amount" in str(nothing_left.get_json())


def test_the_customer_reports_a_problem_later_and_bad_reports_are_refused(app, world):
    order = submitted_order(world)
    early = _api(app, world, "customer").post(f"/api/v1/orders/{order.id}/cases", json={
        "case_type": "quality", "description": "漏水"})
    assert early.status_code == 409  # nothing has been delivered yet
    shipment = _dispatched(app, world, order)
    _api(app, world, "customer").post(f"/api/v1/shipments/{shipment['id']}/acceptance", json={"signed_by": "王海"})
    valve, _seal = _lines(shipment)
    url = f"/api/v1/orders/{order.id}/cases"
    customer = _api(app, world, "customer")
    assert customer.post(url, json={"case_type": "nonsense", "description": "x"}).status_code == 400
    other = submitted_order(world)
    wrong = customer.post(url, json={"case_type": "quality", "description": "漏水",
                                     "order_line_id": reload(other).lines[0].id})
    assert wrong.status_code == 400 and "order_line_id" in str(wrong.get_json())
    assert db.session.execute(select(func.count(ProblemCase.id))).scalar_one() == 0

    reported = customer.post(url, json={"case_type": "quality", "description": "阀门漏水",
                                        "order_line_id": valve["order_line_id"], "quantity": "1"})
    assert reported.status_code == 201, reported.get_json()
    assert (reported.get_json()["department"], reported.get_json()["source"]) == ("production", "report")
    rejected = _api(app, world, "customer_service").post(
        f"/api/v1/cases/{reported.get_json()['id']}/resolve", json={"resolution": "rejected"})
    assert rejected.status_code == 400 and "note" in str(rejected.get_json())
    row = db.session.execute(select(ProblemCase)).scalar_one()
    assert (row.case_type, row.source) == (CaseType.QUALITY, CaseSource.REPORT)


def test_hook_credit_granted(make_app):
    """Listeners pinned on the order hear of an approved credit: the amount, the case and line, who and why;
    the order's history notes it, billing or not (the bundled billing answers with a credit note)."""
    app = witness.watching(make_app, INTAKE, LOGISTICS)
    with app.app_context():
        world = factories.build_world(app)
        order = submitted_order(world)
        _refuse_seals(app, world, order)
        refused = next(case for case in _cases(app, world, order) if case["source"] == "refusal")
        assert _api(app, world, "manager").post(f"/api/v1/cases/{refused['id']}/resolve", json={
            "resolution": "credit", "amount": "5.00", "note": "破损"}).status_code == 200
        noted = db.session.execute(select(AuditEntry).where(AuditEntry.order_id == order.id,
                                                            AuditEntry.action == "credit_granted")).scalar_one()
        order_id, manager_id = order.id, world.users["manager"].id
    [event] = witness.events(order_id, "credit_granted")
    credit = event.payload["credit"]
    assert (credit.amount, credit.case_number, credit.order_line_id, credit.reason, credit.granted_by_id) == (
        Decimal("5.00"), refused["number"], refused["order_line_id"], "破损", manager_id)
    assert credit.granted_at.tzinfo is not None and noted.after["amount"] == "5.00"


def test_a_resolved_case_is_reopened_within_the_company_window_only(app, world):
    order = submitted_order(world)
    _refuse_seals(app, world, order)
    refused = next(case for case in _cases(app, world, order) if case["source"] == "refusal")
    customer = _api(app, world, "customer")
    url = f"/api/v1/cases/{refused['id']}/reopen"
    assert customer.post(url, json={"reason": "还是坏的"}).status_code == 409  # still open
    _api(app, world).post(f"/api/v1/cases/{refused['id']}/resolve", json={"resolution": "repair", "note": "已修"})
    assert customer.post(url, json={"reason": ""}).status_code == 400
    reopened = customer.post(url, json={"reason": "还是坏的"})
    assert reopened.status_code == 200, reopened.get_json()
    assert (reopened.get_json()["status"], reopened.get_json()["resolution"]) == ("open", None)

    _api(app, world).post(f"/api/v1/cases/{refused['id']}/resolve", json={"resolution": "repair", "note": "再修"})
    _api(app, world, "administrator").put("/api/v1/logistics/acceptance-settings", json={"reopen_days": 0})
    row = db.session.get(ProblemCase, refused["id"])
    row.resolved_at = row.resolved_at - timedelta(days=1)
    db.session.commit()
    late = customer.post(url, json={"reason": "又坏了"})
    assert late.status_code == 409 and "0 days" in str(late.get_json())


def test_hook_problem_cases_opened(make_app):
    """Listeners pinned on the order hear of the cases opened together: the refused and reserved lines' cases at
    the acceptance (the refused seals still owed: the order stays shipped), then a problem reported afterwards;
    the audit entries keep what they were told."""
    app = witness.watching(make_app, INTAKE, LOGISTICS)
    with app.app_context():
        world = factories.build_world(app)
        order = submitted_order(world)
        _refuse_seals(app, world, order)
        reported = _api(app, world, "customer").post(f"/api/v1/orders/{order.id}/cases", json={
            "case_type": "quality", "description": "阀门漏水"})
        assert reported.status_code == 201, reported.get_json()
        cases = {row.number: row for row in db.session.execute(select(ProblemCase)).scalars()}
        expected = [(row.number, row.case_type.value, row.source.value, row.department, row.opened_at, row.due_at,
                     row.order_line_id) for row in sorted(cases.values(), key=lambda row: row.id)]
        kept = db.session.execute(select(AuditEntry.after).where(
            AuditEntry.order_id == order.id, AuditEntry.action.in_(["cases_opened", "case_opened"]))
            .order_by(AuditEntry.id)).scalars().all()
        order_id = order.id
    heard = witness.events(order_id, "problem_cases_opened", "delivered")
    opened = [case for event in heard if event.hook == "problem_cases_opened" for case in event.payload["cases"]]
    assert [(case.number, case.case_type, case.source, case.department, case.opened_at, case.due_at,
             case.order_line_id) for case in opened] == expected
    assert [(event.hook, event.status) for event in heard] == [("problem_cases_opened", OrderStatus.SHIPPED)] * 2
    assert [len(event.payload["cases"]) for event in heard] == [2, 1]
    assert [CaseOpened.from_record(case[CaseOpened.hook]) for case in kept[0]["cases"]] == opened[:2]
    assert CaseOpened.from_record(kept[1][CaseOpened.hook]) == opened[2]


def test_hook_problem_case_resolved(make_app):
    """Listeners pinned on the order hear of a resolution: how, the case's opening, limit, when and by whom,
    before the credit it grants; a reopened case resolved again is heard again."""
    app = witness.watching(make_app, INTAKE, LOGISTICS)
    with app.app_context():
        world = factories.build_world(app)
        order = submitted_order(world)
        _refuse_seals(app, world, order)
        refused = next(case for case in _cases(app, world, order) if case["source"] == "refusal")
        url = f"/api/v1/cases/{refused['id']}/resolve"
        assert _api(app, world, "manager").post(url, json={
            "resolution": "credit", "amount": "5.00", "note": "破损"}).status_code == 200
        row = db.session.get(ProblemCase, refused["id"])
        first = (row.opened_at, row.due_at, row.resolved_at)
        assert _api(app, world, "customer").post(f"/api/v1/cases/{refused['id']}/reopen",
                                                 json={"reason": "还漏"}).status_code == 200
        assert _api(app, world, "customer_service").post(url, json={
            "resolution": "rejected", "note": "已补偿"}).status_code == 200
        row = db.session.get(ProblemCase, refused["id"])
        second = (row.opened_at, row.due_at, row.resolved_at)
        kept = db.session.execute(select(AuditEntry.after).where(
            AuditEntry.entity_id == refused["id"], AuditEntry.action == "case_resolved")
            .order_by(AuditEntry.id)).scalars().all()
        order_id, manager, service = order.id, world.users["manager"].id, world.users["customer_service"].id
    heard = witness.events(order_id, "problem_case_resolved", "credit_granted")
    assert [event.hook for event in heard] == ["problem_case_resolved", "credit_granted", "problem_case_resolved"]
    resolved = [heard[0].payload["case"], heard[2].payload["case"]]
    assert [(case.number, case.department, case.resolution, case.resolved_by_id) for case in resolved] == [
        (refused["number"], "logistics", "credit", manager), (refused["number"], "logistics", "rejected", service)]
    assert [(case.opened_at, case.due_at, case.resolved_at) for case in resolved] == [first, second]
    assert [CaseResolved.from_record(after[CaseResolved.hook]) for after in kept] == resolved
