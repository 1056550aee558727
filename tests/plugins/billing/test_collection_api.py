"""Collection through the API: dunning levels, notices, promises to pay that pause dunning and resume it when
broken, follow-ups, and a credit hold that blocks intake, review and execution until a manager releases it.
Bad input is a 4xx naming the field, with nothing changed."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from core.contracts import PaymentPromised, PromiseSettled
from core.db import commit
from core.extensions import db
from core.models import AuditEntry, Company, Order, OutboxMessage, User, utcnow
from core.modules import hooks_for_company, hooks_for_order
from plugins.billing import hooks as billing_hooks
from plugins.billing.collection import hold
from plugins.billing.collection import inbox as collection_inbox
from plugins.billing.collection.follow_ups import overdue_customers
from plugins.billing.collection.models import CreditHold, FollowUp, PaymentPromise, PromiseStatus
from plugins.billing.invoices.models import Invoice
from tests import factories
from tests.clones import clone_order
from tests.core.test_queries import statements
from tests.inbox_answers import answer, check_counts_agree
from tests.plugins.billing import listener
from tests.plugins.billing.collection_helpers import dun, dunning_emails, falls_due, invoice_of, notices
from tests.plugins.billing.open_item_rows import post_missing
from tests.plugins.billing.statements_helpers import pay
from tests.plugins.billing.test_statements_api import problem
from tests.plugins.intake.helpers import api_body


def today(world):
    return db.session.get_one(Company, world.company.id).today()


def overdue_order(world, place_order, deliver, days: int = 10, customer: int = 0):
    return falls_due(deliver(place_order(customer=customer)), today(world) - timedelta(days=days))


def test_finance_sets_the_levels_and_days_that_do_not_rise_are_refused(api, world):
    finance = api("finance")
    defaults = finance.get("/api/v1/dunning-levels").get_json()["levels"]
    assert [(row["level"], row["days"], row["channel"]) for row in defaults] == [
        (1, 7, "email"), (2, 30, "letter"), (3, 45, "email"), (4, 60, "call")]
    assert [row["holds_credit"] for row in defaults] == [False, False, False, True]

    wanted = [{"days": 5, "channel": "email", "tone": "reminder"},
              {"days": 20, "channel": "letter", "tone": "formal", "holds_credit": True}]
    saved = finance.put("/api/v1/dunning-levels", json={"levels": wanted})
    assert saved.status_code == 200, saved.get_json()
    assert [(row["level"], row["days"]) for row in saved.get_json()["levels"]] == [(1, 5), (2, 20)]

    falling = [{"days": 30, "channel": "email", "tone": "reminder"}, {"days": 30, "channel": "call", "tone": "final"}]
    assert problem(finance.put("/api/v1/dunning-levels", json={"levels": falling}), 400) == "levels[1].days"
    assert problem(finance.put("/api/v1/dunning-levels", json={"levels": []}), 400) == "levels"
    assert problem(finance.put("/api/v1/dunning-levels", json={"levels": [{"days": 0, "channel": "email",
                                                                            "tone": "reminder"}]}), 400)
    assert problem(finance.put("/api/v1/dunning-levels", json={"levels": [{"days": 3, "channel": "fax",
                                                                            "tone": "reminder"}]}), 400)
    assert [row["days"] for row in finance.get("/api/v1/dunning-levels").get_json()["levels"]] == [5, 20]
    assert api("sales").put("/api/v1/dunning-levels", json={"levels": wanted}).status_code == 403


def test_the_notices_sent_are_listed_by_customer(api, world, place_order, deliver):
    order = overdue_order(world, place_order, deliver)
    dun(world.company, utcnow())
    listed = api("finance").get(f"/api/v1/dunning-notices?customer_id={world.customers[0].id}").get_json()
    row, = listed["items"]
    assert (row["invoice_number"], row["level"], row["channel"], row["owed"]) == (
        invoice_of(order).number, 1, "email", "2316.50")
    assert api("production").get("/api/v1/dunning-notices").status_code == 403
    assert api("finance").get(f"/api/v1/dunning-notices?customer_id={world.customers[1].id}").get_json()[
        "items"] == []


def test_a_promise_pauses_dunning_until_its_date_and_a_broken_one_resumes_it(api, world, place_order, deliver):
    order = overdue_order(world, place_order, deliver)
    invoice = invoice_of(order)
    world.users["sales"].email = "li.xiaoshou@acme.example"
    commit()
    promised_for = today(world) + timedelta(days=3)
    made = api("sales").post(f"/api/v1/customers/{world.customers[0].id}/promises", json={
        "invoice_id": invoice.id, "amount": "2316.50", "promised_for": promised_for.isoformat(), "note": "周五付"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == "open"

    assert dun(world.company, utcnow()).notices == []  # paused
    assert dun(world.company, utcnow() + timedelta(days=3)).notices == []  # the promised day itself
    after = dun(world.company, utcnow() + timedelta(days=4))  # the date has passed, unpaid: broken
    assert after.broken == 1 and [n.invoice_id for n in after.notices] == [invoice.id]
    db.session.expire_all()
    assert db.session.execute(select(PaymentPromise.status)).scalar_one() == PromiseStatus.BROKEN
    told, = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "payment_promise_broken")).scalars()
    assert told.recipient == "li.xiaoshou@acme.example"
    sales = world.users["sales"]
    task, = [task for task in collection_inbox.tasks(sales, None) if task.kind == "promise_broken"]
    assert world.customers[0].name in task.title
    assert [(c.kind, c.total) for c in collection_inbox.counts(sales, utcnow()) if c.kind == "promise_broken"] == [
        ("promise_broken", 1)]
    # A follow-up with the customer answers it (the run above ran as of four days ahead: date it back to now).
    db.session.execute(update(PaymentPromise).values(settled_at=utcnow() - timedelta(minutes=1)))
    commit()
    api("sales").post(f"/api/v1/customers/{world.customers[0].id}/follow-ups",
                      json={"kind": "called", "outcome": "答应下周付清"})
    assert not [c for c in collection_inbox.counts(sales, utcnow()) if c.kind == "promise_broken"]


def test_hook_payment_promised(api, world, place_order, deliver):
    """The plugins switched on for the company hear of each promise taken, after it was stored: the customer,
    the invoice and its order (none for the account), the amount, the date, who took it and when; its audit
    entry keeps the payload."""
    order = overdue_order(world, place_order, deliver)
    promised_for = today(world) + timedelta(days=3)
    for body in ({"invoice_id": invoice_of(order).id, "amount": "2000.00"}, {"amount": "100.00"}):
        response = api("sales").post(f"/api/v1/customers/{world.customers[0].id}/promises",
                                     json={**body, "promised_for": promised_for.isoformat()})
        assert response.status_code == 201, response.get_json()

    heard = [(hook, company_id, promise) for hook, company_id, promise in listener.COLLECTION]
    rows = db.session.execute(select(PaymentPromise).order_by(PaymentPromise.id)).scalars().all()
    assert heard == [("payment_promised", world.company.id, PaymentPromised(
        promise_id=row.id, customer_id=world.customers[0].id, amount=row.amount, currency=row.currency,
        promised_for=promised_for, made_by_id=world.users["sales"].id, made_at=row.made_at,
        invoice_number=invoice_of(order).number if row.invoice_id else None,
        order_id=order.id if row.invoice_id else None)) for row in rows]
    assert [row.amount for row in rows] == [Decimal("2000.00"), Decimal("100.00")]
    kept = db.session.execute(select(AuditEntry.after).where(AuditEntry.action == "payment_promised")
                              .order_by(AuditEntry.id)).scalars().all()
    assert [PaymentPromised.from_record(after[PaymentPromised.hook]) for after in kept] == [
        promise for _hook, _company, promise in heard]


def test_hook_payment_promises_settled(api, world, place_order, deliver):
    """The plugins switched on for the company hear once per run of the promises it settled, kept or broken,
    after the promises were marked: what was promised and by when, what it still owed, who took it, when it
    was settled and the order of the invoice promised; each promise's audit entry keeps its payload, on that
    order."""
    kept_order = overdue_order(world, place_order, deliver)
    broken_order = overdue_order(world, place_order, deliver, customer=1)
    promised_for = today(world) + timedelta(days=2)
    for order in (kept_order, broken_order):
        api("sales").post(f"/api/v1/customers/{order.customer_id}/promises", json={
            "invoice_id": invoice_of(order).id, "amount": "2316.50", "promised_for": promised_for.isoformat()})
    pay(kept_order, "2316.50", utcnow(), world.users["finance"])
    listener.COLLECTION.clear()
    moment = utcnow() + timedelta(days=3)

    outcome = dun(world.company, moment)

    assert (outcome.kept, outcome.broken) == (1, 1)
    settling = [entry for entry in listener.COLLECTION if entry[0] == "payment_promises_settled"]
    (hook, company_id, heard), = settling
    rows = db.session.execute(select(PaymentPromise).order_by(PaymentPromise.id)).scalars().all()
    assert list(heard) == [PromiseSettled(
        promise_id=row.id, customer_id=row.customer_id, kept=row.status == PromiseStatus.KEPT,
        amount=Decimal("2316.50"), currency=row.currency, promised_for=promised_for,
        owed=Decimal("0.00") if row.status == PromiseStatus.KEPT else Decimal("2316.50"),
        made_by_id=world.users["sales"].id, settled_at=moment, order_id=row.invoice.order_id) for row in rows]
    assert [promise.order_id for promise in heard] == [kept_order.id, broken_order.id]
    assert [promise.kept for promise in heard] == [True, False]
    kept = db.session.execute(select(AuditEntry.after).where(AuditEntry.action.in_(PromiseSettled.audit_actions))
                              .order_by(AuditEntry.id)).scalars().all()
    assert [PromiseSettled.from_record(after[PromiseSettled.hook]) for after in kept] == list(heard)
    assert db.session.execute(select(AuditEntry.order_id).where(AuditEntry.action.in_(PromiseSettled.audit_actions))
                              .order_by(AuditEntry.id)).scalars().all() == [kept_order.id, broken_order.id]
    assert dun(world.company, moment) is not None and len(
        [entry for entry in listener.COLLECTION if entry[0] == "payment_promises_settled"]) == 1  # settled once


def test_a_promise_kept_by_its_date_ends_without_a_notice(api, world, place_order, deliver):
    order = overdue_order(world, place_order, deliver)
    response = api("sales").post(f"/api/v1/customers/{world.customers[0].id}/promises", json={
        "amount": "2000.00", "promised_for": (today(world) + timedelta(days=2)).isoformat()})  # the account
    assert response.status_code == 201, response.get_json()
    pay(order, "2316.50", utcnow(), world.users["finance"])
    outcome = dun(world.company, utcnow() + timedelta(days=3))
    assert (outcome.kept, outcome.broken, outcome.notices) == (1, 0, [])
    assert notices() == []


def test_bad_promises_and_follow_ups_are_refused_naming_the_field(api, world, place_order, deliver):
    order = overdue_order(world, place_order, deliver)
    paid = overdue_order(world, place_order, deliver)
    pay(paid, "2316.50", utcnow(), world.users["finance"], reference="ALL")
    url = f"/api/v1/customers/{world.customers[0].id}/promises"
    sales = api("sales")
    tomorrow = (today(world) + timedelta(days=1)).isoformat()
    yesterday = (today(world) - timedelta(days=1)).isoformat()
    assert problem(sales.post(url, json={"invoice_id": invoice_of(order).id, "amount": "100.00",
                                         "promised_for": yesterday}), 400) == "promised_for"
    assert problem(sales.post(url, json={"invoice_id": invoice_of(order).id, "amount": "2316.51",
                                         "promised_for": tomorrow}), 400) == "amount"
    assert problem(sales.post(url, json={"amount": "2316.51", "promised_for": tomorrow}), 400) == "amount"
    assert problem(sales.post(url, json={"invoice_id": invoice_of(paid).id, "amount": "1.00",
                                         "promised_for": tomorrow}), 400) == "invoice_id"
    other = overdue_order(world, place_order, deliver, customer=1)
    assert problem(sales.post(url, json={"invoice_id": invoice_of(other).id, "amount": "1.00",
                                         "promised_for": tomorrow}), 404) == "invoice_id"
    assert problem(sales.post(url, json={"amount": "-1", "promised_for": tomorrow}), 400) == "amount"
    assert problem(sales.post(url, json={"amount": "1.00", "promised_for": "soon"}), 400) == "promised_for"

    follow = f"/api/v1/customers/{world.customers[0].id}/follow-ups"
    assert problem(sales.post(follow, json={"invoice_id": invoice_of(paid).id, "kind": "called",
                                            "outcome": "已付"}), 400) == "invoice_id"
    assert problem(sales.post(follow, json={"kind": "called", "outcome": "   "}), 400) == "outcome"
    assert problem(sales.post(follow, json={"kind": "faxed", "outcome": "x"}), 400) == "kind"
    assert db.session.execute(select(func.count(PaymentPromise.id))).scalar_one() == 0
    assert db.session.execute(select(func.count(FollowUp.id))).scalar_one() == 0

    logged = sales.post(follow, json={"invoice_id": invoice_of(order).id, "kind": "visited",
                                      "outcome": "财务下周一付款"})
    assert logged.status_code == 201, logged.get_json()
    assert [row["kind"] for row in sales.get(follow).get_json()] == ["visited"]


def test_the_hold_level_holds_intake_review_and_execution_and_a_managers_release_lifts_it(
        api, world, place_order, deliver):
    held = overdue_order(world, place_order, deliver, days=70)
    open_order = place_order()  # approved, not yet produced
    for _ in range(4):
        dun(world.company, utcnow())
    customer = world.customers[0]
    assert hold.active_hold(customer.id) is not None

    company = db.session.get_one(Company, world.company.id)
    hooks = hooks_for_company(company.id)
    assert "credit hold" in hooks.customer_credit_hold(company=company, customer=customer)
    finding, = hold.hold_findings(open_order)
    assert finding.rule == "credit_hold" and finding.severity.value == "blocking"
    gates = [gate for gates in hooks_for_order(open_order).execution_gates(order=open_order) for gate in gates]
    assert any(gate.name == "credit_hold" and gate.blocked for gate in gates)
    state = api("finance").get(f"/api/v1/customers/{customer.id}/credit-hold").get_json()
    assert state["on_hold"] and state["hold"]["source"] == "dunning"

    release = f"/api/v1/customers/{customer.id}/credit-hold/release"
    assert api("finance").post(release, json={"reason": "付款计划已签"}).status_code == 403
    assert problem(api("manager").post(release, json={"reason": "  "}), 400) == "reason"
    assert problem(api("manager").post(release, json={}), 400) == "reason"
    assert hold.active_hold(customer.id) is not None
    released = api("manager").post(release, json={"reason": "付款计划已签"})
    assert released.status_code == 200, released.get_json()
    assert released.get_json()["release_reason"] == "付款计划已签"
    db.session.expire_all()
    assert hooks.customer_credit_hold(company=company, customer=customer) is None
    gates = [gate for gates in hooks_for_order(open_order).execution_gates(order=open_order) for gate in gates]
    assert not any(gate.name == "credit_hold" for gate in gates)
    assert problem(api("manager").post(release, json={"reason": "again"}), 409) == "customer_id"
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.entity == "customer",
                                                                 AuditEntry.entity_id == customer.id)).scalars()
    assert {"credit_hold_placed", "credit_hold_released"} <= set(actions)
    assert held.id


def test_a_customer_on_credit_hold_is_a_warning_at_intake_the_clerk_confirms_and_the_gates_then_hold(api, world):
    customer = world.customers[0]
    placed = api("manager").post(f"/api/v1/customers/{customer.id}/credit-hold", json={"reason": "客户经营异常"})
    assert placed.status_code == 201, placed.get_json()
    sales = api("sales")
    created = sales.post("/api/v1/orders", json=api_body(world))
    assert created.status_code == 201, created.get_json()
    order_id = created.get_json()["id"]

    warned = sales.post(f"/api/v1/orders/{order_id}/submit")
    assert warned.status_code == 422, warned.get_json()
    [error] = warned.get_json()["errors"]
    assert (error["field"], error["code"], error["severity"]) == ("customer_id", "credit_hold", "warning")
    assert "credit hold" in error["message"] and "客户经营异常" in error["message"]
    assert sales.get(f"/api/v1/orders/{order_id}").get_json()["status"] == "draft"

    taken = sales.post(f"/api/v1/orders/{order_id}/submit", json={"confirm_warnings": True})
    assert taken.status_code == 200, taken.get_json()
    order = db.session.get_one(Order, order_id)
    confirmed = db.session.execute(select(AuditEntry).where(AuditEntry.action == "warnings_confirmed",
                                                            AuditEntry.order_id == order_id)).scalar_one()
    assert confirmed.after == {"warnings": [{"check": "credit_hold", "field": "customer_id"}]}
    gates = [gate for gates in hooks_for_order(order).execution_gates(order=order) for gate in gates]
    assert any(gate.name == "credit_hold" and gate.blocked for gate in gates)  # taken, but held


def test_a_managers_hold_and_the_runs_own_hold_lifting_once_nothing_is_overdue(api, world, place_order, deliver):
    customer = world.customers[1]
    url = f"/api/v1/customers/{customer.id}/credit-hold"
    assert problem(api("manager").post(url, json={"reason": ""}), 400) == "reason"
    assert api("sales").post(url, json={"reason": "风险"}).status_code == 403
    placed = api("manager").post(url, json={"reason": "客户经营异常"})
    assert placed.status_code == 201, placed.get_json()
    assert problem(api("manager").post(url, json={"reason": "again"}), 409) == "customer_id"

    order = overdue_order(world, place_order, deliver, days=70)
    for _ in range(4):
        dun(world.company, utcnow())
    assert hold.active_hold(world.customers[0].id).source.value == "dunning"
    pay(order, "2316.50", utcnow(), world.users["finance"])
    outcome = dun(world.company, utcnow())
    assert outcome.lifted == [world.customers[0].id]
    assert hold.active_hold(world.customers[0].id) is None
    assert hold.active_hold(customer.id) is not None  # a decision is not the run's to lift
    assert db.session.execute(select(func.count(CreditHold.id))).scalar_one() == 2
    assert Decimal(len(dunning_emails())) == 3


def test_the_customers_with_overdue_invoices_are_listed_overdue_longest_first(app, world, place_order, deliver):
    """One task per customer who owes overdue invoices, with their count and total, the customer overdue
    longest first; an invoice not yet due, or paid, counts for nothing. Among 10 overdue invoices or 1,000,
    the same customers in the same order, in the same statements."""
    longest = overdue_order(world, place_order, deliver, days=40, customer=1)
    owing = overdue_order(world, place_order, deliver, days=10)
    paid = overdue_order(world, place_order, deliver, days=60)
    pay(paid, "2316.50", utcnow(), world.users["finance"], reference="ALL")
    falls_due(deliver(place_order()), today(world) + timedelta(days=5))  # not due yet
    commit()
    now = utcnow()
    finance = world.users["finance"].id

    def grow(copies: int) -> None:
        clone_order(owing.id, copies, [Invoice])
        post_missing(world.company.id, today(world))  # the copies' open items, as their issue posts them
        commit()

    def chased(listed):
        return [(task.url.split("/")[-2], task.title) for task in listed if task.kind == "overdue_customer"]

    grow(8)
    small = answer(app, billing_hooks, finance, now)
    grow(990)
    large = answer(app, billing_hooks, finance, now)

    first, second = world.customers[1], world.customers[0]
    # The page is due first among all of billing's tasks (an invoice to collect per order too): each list whole.
    assert [customer for customer, _ in chased(small.tasks)] == [customer for customer, _ in chased(large.tasks)]
    assert chased(small.tasks) == [
        (str(first.id), f"Chase {first.name}: 1 overdue invoice(s), 2,316.50, oldest 40 days past due"),
        (str(second.id), f"Chase {second.name}: 9 overdue invoice(s), 20,848.50, oldest 10 days past due")]
    assert chased(large.tasks)[1][1] == (
        f"Chase {second.name}: 999 overdue invoice(s), 2,314,183.50, oldest 10 days past due")
    assert small.counts["overdue_customer"].total == large.counts["overdue_customer"].total == 2
    with app.test_request_context():  # the first customer alone when one is asked for
        assert [row.customer_id for row in overdue_customers(db.session.get_one(User, finance), today(world), 1)] == [
            first.id]
    check_counts_agree(small, now)
    check_counts_agree(large, now)
    assert (small.count_statements, small.all_statements) == (large.count_statements, large.all_statements)
    # The first page reads billing's receivables not invoiced yet only when the invoiced ones do not fill it.
    assert large.list_statements <= small.list_statements


def test_the_first_customers_overdue_longest_are_read_in_the_same_statements_for_3_customers_or_40(
        app, world, place_order, deliver):
    """The inbox's page of customers with overdue invoices reads the customers overdue longest off the ledger
    and sums their own overdue invoices, not those of every customer: the same statements whether 3 customers
    owe overdue invoices or 40, and the same first customers, each with all of their overdue invoices."""
    first = world.customers[1]
    overdue_order(world, place_order, deliver, days=50, customer=1)
    overdue_order(world, place_order, deliver, days=5, customer=1)  # counted with the first customer's oldest
    owing = overdue_order(world, place_order, deliver, days=30)
    day = today(world)
    others = [factories.customer(world.company, f"M{n:03}", f"客户{n:03}").id for n in range(40)]

    def grow(customers: list[int]) -> None:
        """One overdue invoice for each customer, due after the first customer's oldest (1 to 29 days ago)."""
        clone_order(owing.id, len(customers), [Invoice], vary={
            "order": lambda n, row: {**row, "customer_id": customers[n]},
            "billing_invoice": lambda n, row: {**row, "due_date": day - timedelta(days=1 + n % 29)}})
        post_missing(world.company.id, day)
        commit()

    def asked(limit: int | None) -> tuple[list[tuple[int, int, Decimal, int]], int]:
        with app.test_request_context():
            finance = db.session.get_one(User, world.users["finance"].id)
            finance.permissions  # noqa: B018 - loaded before counting, as the request's sign-in loads them
            with statements(db.engine) as seen:
                listed = [(row.customer_id, row.count, row.owed, row.days(day))
                          for row in overdue_customers(finance, day, limit)]
        return listed, len(seen)

    grow(others[:1])
    small, small_statements = asked(2)
    grow(others[1:])
    large, large_statements = asked(2)

    assert small == large == [(first.id, 2, Decimal("4633.00"), 50), (world.customers[0].id, 1, Decimal("2316.50"), 30)]
    assert small_statements == large_statements == 2
    every, _ = asked(None)
    assert len(every) == 42 and every[:2] == large
    assert [row[3] for row in every] == sorted((row[3] for row in every), reverse=True)
