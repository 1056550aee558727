"""The dunning run: an overdue invoice climbs one level per run once each threshold is reached, each notice
is sent once (also when two runs race), an invoice paid a minute before is never chased, each customer gets
their own invoices only, and the run costs the same statements however many invoices it chases."""
from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.jobs import Worker, collect_jobs
from core.contracts import DunningLevelReached
from core.models import AuditEntry, Company, Order, OutboxMessage
from plugins.billing.collection import dunning, hold
from plugins.billing.collection.letters import LETTER
from plugins.billing.collection.models import DunningChannel, DunningNotice
from plugins.billing.invoices.models import INVOICE_DOCUMENT as INVOICE  # the kind dunning attaches
from tests.concurrency import all_at_once
from tests.plugins.billing import listener
from tests.core.test_queries import statements
from tests.plugins.billing.collection_helpers import (
    attached_orders, dun, dunning_emails, falls_due, invoice_of, notices,
)
from tests.plugins.billing.statements_helpers import at, pay

NEW_YEAR = date(2026, 1, 1)
TOTAL = Decimal("2316.50")


def test_an_overdue_invoice_climbs_one_level_per_run_once_each_threshold_is_reached(world, place_order, deliver):
    order = falls_due(deliver(place_order()), NEW_YEAR)
    invoice = invoice_of(order)

    assert dun(world.company, at("2026-01-07 09:00")).notices == []  # six days: not yet
    reminder, = dun(world.company, at("2026-01-08 09:00")).notices  # seven days: the friendly reminder
    assert (reminder.level.level, reminder.days_overdue, reminder.owed) == (1, 7, TOTAL)
    assert dun(world.company, at("2026-01-08 10:00")).notices == []  # once
    assert notices() == [(invoice.id, 1)]

    # Seventy days past due: level 2 is reached, and 3 and 4 too, but each run climbs one.
    late = at("2026-03-12 09:00")
    assert [n.level.level for n in dun(world.company, late).notices] == [2]
    assert [n.level.level for n in dun(world.company, late).notices] == [3]
    assert hold.active_hold(order.customer_id) is None
    fourth, = dun(world.company, late).notices
    assert fourth.level.channel == DunningChannel.CALL and fourth.level.holds_credit
    assert dun(world.company, late).notices == []
    assert notices() == [(invoice.id, level) for level in (1, 2, 3, 4)]
    assert hold.active_hold(order.customer_id) is not None

    # The reminder, the letter (the invoice and the letter attached), the final notice; the call is a task.
    reminder_mail, letter_mail, final_mail = dunning_emails()
    assert [m.kind for m in (reminder_mail, letter_mail, final_mail)] == [
        "dunning_reminder", "dunning_formal", "dunning_final"]
    assert reminder_mail.recipient == world.customers[0].email
    assert invoice.number in reminder_mail.body and "2,316.50" in reminder_mail.body
    assert attached_orders(letter_mail) == [(order.id, INVOICE), (order.id, LETTER)]
    assert attached_orders(final_mail) == [(order.id, INVOICE)]


def test_hook_dunning_level_reached(world, place_order, deliver):
    """The plugins switched on for the company hear of a run's notices once, after they were stored, with the
    customer, the invoice and its order, the level, the days and what it owed; the invoice's audit entry keeps
    each payload; a run that sends nothing, or a dry run, says nothing."""
    first = falls_due(deliver(place_order()), NEW_YEAR)
    second = falls_due(deliver(place_order(customer=1)), NEW_YEAR)
    moment = at("2026-01-08 09:00")
    dun(world.company, moment, dry_run=True)
    assert listener.COLLECTION == []

    dun(world.company, moment)
    dun(world.company, at("2026-01-08 10:00"))  # nothing more to send

    (hook, company_id, heard), = listener.COLLECTION
    assert (hook, company_id) == ("dunning_level_reached", world.company.id)
    assert sorted(heard, key=lambda notice: notice.order_id) == [
        DunningLevelReached(customer_id=order.customer_id, order_id=order.id,
                            invoice_number=invoice_of(order).number, level=1, channel="email", days_overdue=7,
                            owed=TOTAL, currency=world.company.currency, sent_at=moment) for order in (first, second)]
    kept = db.session.execute(select(AuditEntry.after).where(AuditEntry.action == "dunning_notice_sent")
                              .order_by(AuditEntry.order_id)).scalars().all()
    assert [DunningLevelReached.from_record(after[DunningLevelReached.hook]) for after in kept] == sorted(
        heard, key=lambda notice: notice.order_id)


def test_the_customer_reads_the_notice_in_their_language_with_the_sellers_name(world, place_order, deliver):
    world.customers[0].language = "zh_CN"
    commit()
    falls_due(deliver(place_order()), NEW_YEAR)
    dun(world.company, at("2026-01-08 09:00"))
    mail, = dunning_emails()
    assert "逾期" in mail.subject or "提醒" in mail.subject, mail.subject
    assert world.company.printed_name in mail.body
    assert "level" not in mail.body.lower() and "dunning" not in mail.body.lower()


def test_a_dry_run_says_what_would_be_sent_and_changes_nothing(world, place_order, deliver):
    falls_due(deliver(place_order()), NEW_YEAR)
    planned, = dun(world.company, at("2026-01-08 09:00"), dry_run=True).notices
    assert planned.level.level == 1
    assert notices() == [] and dunning_emails() == []


def test_an_invoice_paid_a_minute_before_the_run_is_never_chased(world, place_order, deliver):
    paid, owing = (falls_due(deliver(place_order()), NEW_YEAR) for _ in range(2))
    run_at = at("2026-01-08 09:00")
    pay(paid, "2316.50", run_at - timedelta(minutes=1), world.users["finance"])
    pay(owing, "316.50", run_at - timedelta(minutes=1), world.users["finance"], reference="PART")
    chased, = dun(world.company, run_at).notices
    assert (chased.invoice_id, chased.owed) == (invoice_of(owing).id, Decimal("2000.00"))


def test_a_payment_after_the_candidates_were_read_is_seen_under_the_lock(world, place_order, deliver, monkeypatch):
    """The balance is read again after the customers are locked, in the same transaction: a payment
    recorded between the two reads (the one the lock waited for) stops the notice."""
    order = falls_due(deliver(place_order()), NEW_YEAR)
    lock = dunning._lock_customers

    def payment_lands_first(customer_ids):
        pay(db.session.get_one(Order, order.id), "2316.50", at("2026-01-08 08:59"), world.users["finance"])
        lock(customer_ids)

    monkeypatch.setattr(dunning, "_lock_customers", payment_lands_first)
    assert dun(world.company, at("2026-01-08 09:00")).notices == []
    assert notices() == [] and dunning_emails() == []


def test_two_customers_in_one_run_each_get_their_own_invoices_only(world, place_order, deliver):
    first = [falls_due(deliver(place_order(customer=0)), NEW_YEAR) for _ in range(2)]
    second = [falls_due(deliver(place_order(customer=1)), NEW_YEAR) for _ in range(3)]
    dun(world.company, at("2026-01-08 09:00"))
    dun(world.company, at("2026-02-01 09:00"))  # the letters
    mails = dunning_emails()
    assert len(mails) == 4
    for mail in mails:
        own = first if mail.recipient == world.customers[0].email else second
        assert mail.recipient in (world.customers[0].email, world.customers[1].email)
        assert {order_id for order_id, _ in attached_orders(mail)} == {order.id for order in own}
        assert all(invoice_of(order).number in mail.body for order in own)


def test_an_invoice_in_another_currency_is_dunned_in_its_own_currency_never_summed_with_others(
        world, place_order, deliver):
    in_dollars = place_order()
    in_dollars.currency = "USD"
    commit()
    in_dollars = falls_due(deliver(in_dollars), NEW_YEAR)
    in_yuan = falls_due(deliver(place_order()), NEW_YEAR)
    assert invoice_of(in_dollars).currency == "USD"

    sent = dun(world.company, at("2026-01-08 09:00")).notices
    assert sorted((n.invoice_id, n.currency, n.owed) for n in sent) == sorted([
        (invoice_of(in_dollars).id, "USD", TOTAL), (invoice_of(in_yuan).id, "CNY", TOTAL)])
    assert set(db.session.execute(select(DunningNotice.invoice_id, DunningNotice.currency)).all()) == {
        (invoice_of(in_dollars).id, "USD"), (invoice_of(in_yuan).id, "CNY")}
    mail, = dunning_emails()
    lines = mail.body.splitlines()
    assert any(invoice_of(in_dollars).number in line and "$2,316.50" in line for line in lines), mail.body
    assert any(invoice_of(in_yuan).number in line and "CN¥2,316.50" in line for line in lines), mail.body
    totals = [line for line in lines if line.startswith("Total outstanding")]
    assert totals == ["Total outstanding: CN¥2,316.50", "Total outstanding: $2,316.50"]


def test_a_run_costs_the_same_statements_for_more_invoices(world, place_order, deliver):
    def counted(orders_each: int, as_of) -> tuple[int, int]:
        for customer in (0, 1):
            for _ in range(orders_each):
                falls_due(deliver(place_order(customer=customer)), as_of.date() - timedelta(days=8))
        db.session.expire_all()
        with statements(db.engine) as seen:
            sent = dunning.run_dunning(db.session.get_one(Company, world.company.id), as_of).notices
            db.session.flush()
        commit()
        assert len(sent) == 2 * orders_each
        # The outbox queues each email (and its attachments) as rows of their own: one email per customer.
        return len([sql for sql in seen if not sql.lstrip().upper().startswith("INSERT INTO OUTBOX")]), len(sent)

    few, _ = counted(1, at("2026-01-08 09:00"))
    many, _ = counted(6, at("2026-01-20 09:00"))  # the first ones are 20 days past due: no level yet
    assert many == few


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL"), reason="row locks need PostgreSQL")
def test_two_runs_at_once_send_each_notice_once(app, world, place_order, deliver):
    for customer in (0, 1, 0):
        falls_due(deliver(place_order(customer=customer)), NEW_YEAR)
    company_id = world.company.id
    failures = all_at_once(app, lambda _: dunning.run_dunning(db.session.get_one(Company, company_id),
                                                              at("2026-01-08 09:00")), [1, 2, 3])
    assert failures == []
    assert len(notices()) == 3 and len(set(notices())) == 3
    assert len(dunning_emails()) == 2  # one per customer


def test_the_job_runs_under_its_lease_once_and_is_idempotent(app, world, place_order, deliver):
    falls_due(deliver(place_order()), NEW_YEAR)
    jobs = collect_jobs(app.extensions["ordo.plugins"])
    first, second = Worker(jobs, holder="worker-a"), Worker(jobs, holder="worker-b")
    ran = first.run("billing.dunning", now=at("2026-01-08 09:00"), force=True)
    assert ran is not None and "1 dunning notices" in ran.result
    second.run("billing.dunning", now=at("2026-01-08 10:00"), force=True)
    assert len(notices()) == 1 and len(dunning_emails()) == 1


def test_the_cli_previews_and_runs(app, world, place_order, deliver):
    order = falls_due(deliver(place_order()), NEW_YEAR)
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["billing", "dunning", "--as-of", "2026-01-08T09:00:00+08:00", "--dry-run"])
    assert preview.exit_code == 0, preview.output
    assert invoice_of(order).number in preview.output and notices() == []
    done = runner.invoke(args=["billing", "dunning", "--as-of", "2026-01-08T09:00:00+08:00"])
    assert done.exit_code == 0, done.output
    assert notices() == [(invoice_of(order).id, 1)]
    again = runner.invoke(args=["billing", "dunning", "--as-of", "2026-01-08T09:00:00+08:00"])
    assert "no dunning notice due" in again.output
    assert db.session.execute(select(func.count(DunningNotice.id))).scalar_one() == 1
    assert db.session.execute(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "dunning_reminder")).scalar_one() == 1
