"""The statement run: one statement per customer and statement day, the opening balance the last closing one,
idempotent, once under concurrency, and the same statements however many customers and lines."""
from __future__ import annotations

import os
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from core.db import commit
from core.extensions import db
from core.jobs import Worker, collect_jobs
from core.models import Company, OutboxMessage
from plugins.billing.payments import services as payments
from plugins.billing.payments.models import BillingPayment
from plugins.billing.statements import run, services
from plugins.billing.statements.models import LineKind, Statement
from tests import factories
from tests.core.test_queries import statements
from tests.plugins.billing.statements_helpers import at, date_delivery, make, pay, statements_of

TOTAL = Decimal("2316.50")


def emails(kind: str = "statement_sent") -> list[OutboxMessage]:
    return list(db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.id)).scalars())


def test_the_statement_day_is_the_last_one_that_has_ended():
    assert run.latest_statement_date(31, at("2026-03-01 00:30").date()).isoformat() == "2026-02-28"
    assert run.latest_statement_date(25, at("2026-03-25 10:00").date()).isoformat() == "2026-02-25"
    assert run.latest_statement_date(25, at("2026-03-26 00:00").date()).isoformat() == "2026-03-25"
    assert run.latest_statement_date(30, at("2026-03-01 08:00").date()).isoformat() == "2026-02-28"


def test_three_periods_each_opening_with_the_last_closing_balance(world, place_order, deliver):
    finance = world.users["finance"]
    buyer = world.customers[0]
    first = deliver(place_order())
    date_delivery(first, at("2026-01-10 10:00"))
    pay(first, "1000.00", at("2026-01-20 15:00"), finance)

    january, = make(world.company, at("2026-02-01 02:00"))
    assert january.customer_id == buyer.id and january.statement_date.isoformat() == "2026-01-31"
    # The first statement's period starts on the day of the customer's first entry, in the company's zone.
    assert january.period_start == at("2026-01-10 00:00") and january.previous_id is None
    assert [(line.kind, line.effect) for line in january.lines] == [
        (LineKind.DELIVERY, Decimal("0.00")), (LineKind.INVOICE, TOTAL), (LineKind.PAYMENT, Decimal("-1000.00"))]
    assert (january.opening_balance, january.debits, january.credits, january.closing_balance) == (
        Decimal("0.00"), TOTAL, Decimal("1000.00"), Decimal("1316.50"))

    # Recorded after January's statement was made, dated in January: it goes on February's.
    pay(first, "300.00", at("2026-01-31 16:00"), finance)
    second_order = deliver(place_order())
    date_delivery(second_order, at("2026-02-15 09:00"))
    pay(first, "1016.50", at("2026-02-10 11:00"), finance)

    february, = make(world.company, at("2026-03-01 01:00"))
    assert february.previous_id == january.id and february.period_start == january.period_end
    assert february.opening_balance == january.closing_balance
    assert [(line.kind, line.reference) for line in february.lines] == [
        (LineKind.PAYMENT, "BANK-0131"), (LineKind.PAYMENT, "BANK-0210"), (LineKind.DELIVERY, None),
        (LineKind.INVOICE, february.lines[3].reference)]
    assert february.closing_balance == Decimal("1316.50") - Decimal("1316.50") + TOTAL

    march, = make(world.company, at("2026-04-01 09:00"))  # nothing happened: the balance is carried
    assert march.lines == [] and march.opening_balance == february.closing_balance == march.closing_balance

    made = statements_of(buyer.id)
    assert [s.id for s in made] == [january.id, february.id, march.id]
    for before, after in zip(made, made[1:], strict=False):
        assert after.opening_balance == before.closing_balance and after.previous_id == before.id
    for statement in made:
        assert statement.closing_balance == statement.opening_balance + sum(
            (line.effect for line in statement.lines), Decimal("0.00"))


def test_a_customer_with_nothing_listed_and_nothing_owed_gets_no_statement(world, place_order, deliver):
    order = deliver(place_order())
    date_delivery(order, at("2026-01-10 10:00"))
    pay(order, "2316.50", at("2026-01-12 10:00"), world.users["finance"])
    assert len(make(world.company, at("2026-02-01 02:00"))) == 1
    assert make(world.company, at("2026-03-01 02:00")) == []  # settled in January, quiet in February


def test_a_customers_own_statement_day_from_their_contract(world, place_order, deliver):
    services.set_statement_day(world.company.id, 25, world.users["finance"], customer_id=world.customers[0].id)
    commit()
    order = deliver(place_order())
    date_delivery(order, at("2026-01-20 10:00"))
    made, = make(world.company, at("2026-01-26 08:00"))
    assert made.statement_date.isoformat() == "2026-01-25"
    assert services.statement_days(world.company.id)["customers"] == [
        {"customer_id": world.customers[0].id, "statement_day": 25}]


def test_running_twice_makes_one_statement_per_customer_and_sends_one_email(world, place_order, deliver, app):
    for customer in (0, 1):
        date_delivery(deliver(place_order(customer=customer)), at("2026-01-10 10:00"))
    assert len(make(world.company, at("2026-02-01 02:00"))) == 2
    assert make(world.company, at("2026-02-01 02:00")) == []
    result = app.test_cli_runner().invoke(args=["billing", "statements", "--as-of", "2026-02-01T03:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "no statement to make" in result.output
    db.session.expire_all()
    assert db.session.execute(select(func.count(Statement.id))).scalar_one() == 2
    sent = emails()
    assert sorted(message.recipient for message in sent) == ["c001@example.cn", "c002@example.cn"]
    assert "ST20260131-" in sent[0].subject and "上海华东机电有限公司" in sent[0].body + sent[1].body


def test_the_cli_makes_the_statements_as_of_a_moment(world, place_order, deliver, app):
    date_delivery(deliver(place_order()), at("2026-01-10 10:00"))
    result = app.test_cli_runner().invoke(args=["billing", "statements", "--as-of", "2026-02-01T03:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "ACME: 1" in result.output
    assert len(statements_of(world.customers[0].id)) == 1


def _customers_with_orders(world, place_order, deliver, customers: int, orders_each: int) -> None:
    for n in range(customers):
        buyer = world.customers[n] if n < len(world.customers) else factories.customer(
            world.company, f"K{n:03d}", f"客户 {n}")
        if n >= len(world.customers):
            world.customers.append(buyer)
        for _ in range(orders_each):
            order = deliver(place_order(customer=n))
            date_delivery(order, at("2026-01-10 10:00"))
            # One transfer per order: the same reference twice would be the same payment confirmed twice.
            pay(order, "100.00", at("2026-01-11 10:00"), world.users["finance"], reference=f"BANK-{order.number}")


def _counted_run(world, as_of) -> tuple[int, int, int]:
    """The statements a run sends, apart from its emails; how many emails; how many lines it made."""
    db.session.expire_all()
    with statements(db.engine) as seen:
        made = run.make_statements(db.session.get_one(Company, world.company.id), as_of)
        db.session.flush()
    lines = sum(len(statement.lines) for statement in made)
    commit()
    # The outbox queues each email as a row of its own, and its attachment (the statement's PDF) as another
    # (the ORM inserts them one by one, or in batches): one or two per statement sent, the notice itself.
    mails = [sql for sql in seen if sql.lstrip().upper().startswith(("INSERT INTO OUTBOX_MESSAGE",
                                                                      "INSERT INTO OUTBOX_ATTACHMENT"))]
    return len(seen) - len(mails), len(mails), lines


def test_a_statement_run_costs_the_same_statements_for_more_customers_and_lines(world, place_order, deliver):
    _customers_with_orders(world, place_order, deliver, customers=2, orders_each=1)
    few, few_mails, few_lines = _counted_run(world, at("2026-02-01 02:00"))
    _customers_with_orders(world, place_order, deliver, customers=6, orders_each=3)
    many, many_mails, many_lines = _counted_run(world, at("2026-03-01 02:00"))
    assert few_lines == 2 * 3 and many_lines == 6 * 3 * 3
    assert many == few, (few, many)
    assert many_mails in (few_mails, 3 * few_mails)  # the same per email (6 customers, then 2), or batches


@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_two_runs_at_once_make_one_statement_per_customer_and_one_email(app, world, place_order, deliver):
    for customer in (0, 1):
        date_delivery(deliver(place_order(customer=customer)), at("2026-01-10 10:00"))
    company_id = world.company.id
    ready = threading.Barrier(2)
    made: list[int] = []
    failures: list[str] = []

    def worker() -> None:
        with app.app_context():
            try:
                ready.wait(timeout=30)
                made.append(len(run.make_statements(db.session.get_one(Company, company_id),
                                                    at("2026-02-01 02:00"))))
                commit()
            except Exception as error:  # noqa: BLE001 - any failure of a run is the test's finding
                failures.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(made) == [0, 2]
    db.session.expire_all()
    assert db.session.execute(select(func.count(Statement.id))).scalar_one() == 2
    assert len(emails()) == 2


def test_the_job_runs_under_its_lease_once_and_is_idempotent(app, world, place_order, deliver):
    date_delivery(deliver(place_order()), at("2026-01-10 10:00"))
    jobs = collect_jobs(app.extensions["ordo.plugins"])
    first, second = Worker(jobs, holder="worker-a"), Worker(jobs, holder="worker-b")
    assert first.acquire("billing.statements", now=at("2026-02-01 02:00"))
    assert second.run("billing.statements", now=at("2026-02-01 02:00")) is None  # the lease is taken
    ran = first.run("billing.statements", now=at("2026-02-01 02:00"), force=True)  # its own lease
    assert ran is not None and ran.result == "ACME: 1 statements sent"
    again = second.run("billing.statements", now=at("2026-02-01 04:00"), force=True)
    assert again is not None and again.result is None  # nothing left to make
    assert len(statements_of(world.customers[0].id)) == 1 and len(emails()) == 1


def test_the_statement_day_is_set_through_the_api_and_bad_days_are_refused(api, world):
    finance = api("finance")
    assert finance.get("/api/v1/statement-days").get_json() == {"statement_day": 31, "customers": []}
    refused = finance.put("/api/v1/statement-days", json={"statement_day": 0})
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "statement_day"
    refused = finance.put("/api/v1/statement-days", json={"statement_day": 25, "customer_id": 999999})
    assert refused.status_code == 404 and refused.get_json()["errors"][0]["field"] == "customer_id"
    assert api("sales").put("/api/v1/statement-days", json={"statement_day": 25}).status_code == 403
    done = finance.put("/api/v1/statement-days", json={"statement_day": 25, "customer_id": world.customers[1].id})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["customers"] == [{"customer_id": world.customers[1].id, "statement_day": 25}]
    assert finance.put("/api/v1/statement-days", json={"statement_day": 20}).get_json()["statement_day"] == 20


def test_a_payment_reversed_after_its_statement_owes_again_on_the_next(world, place_order, deliver):
    finance = world.users["finance"]
    first = deliver(place_order())
    date_delivery(first, at("2026-01-10 10:00"))
    wrong = pay(first, "1000.00", at("2026-01-20 15:00"), finance)
    january, = make(world.company, at("2026-02-01 02:00"))
    assert january.closing_balance == TOTAL - Decimal("1000.00")

    payments.reverse_payment(db.session.get_one(BillingPayment, wrong.id), reason="记错客户", actor=finance)
    db.session.execute(update(BillingPayment).where(BillingPayment.id == wrong.id)
                       .values(reversed_at=at("2026-02-03 10:00")))
    commit()

    february, = make(world.company, at("2026-03-01 01:00"))
    assert [(line.kind, line.effect, line.reference) for line in february.lines] == [
        (LineKind.PAYMENT_REVERSED, Decimal("1000.00"), "BANK-0120")]
    assert february.opening_balance == january.closing_balance and february.closing_balance == TOTAL
    assert make(world.company, at("2026-04-01 01:00"))[0].lines == []  # listed once
