"""Periodic jobs: contributed by plugins, run by ``ordo worker`` under leases in the database.

Every test passes the clock in (``now``), so nothing waits for time to pass.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.contracts import Job
from core.errors import PluginError
from core.extensions import db
from core.jobs import PerCompany, Worker, collect_jobs, lease_of
from core.models import AuditEntry, Company, JobOutcome
from core.plugins import Manifest, PluginRegistry, registry
from tests import factories
from tests.core.test_outbox import inbox, mail_app, queue, smtp  # noqa: F401 - the aiosmtpd fixtures

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
CHORES = Manifest(name="chores", version="1.0", hooks="tests.core.samples.chores", default_enabled=True)
BREAKER = Manifest(name="breaker", version="1.0", hooks="tests.core.samples.breaker", default_enabled=True)
ALARM = Manifest(name="alarm", version="1.0", hooks="tests.core.samples.alarm", default_enabled=True)
on_postgresql = pytest.mark.skipif(not os.environ.get("ORDO_TEST_DATABASE_URL", "").startswith("postgresql"),
                                   reason="needs two PostgreSQL sessions racing for the lease")


@pytest.fixture
def chores_app(make_app):
    app = make_app(plugins=[CHORES, BREAKER])
    with app.app_context():
        yield app


@pytest.fixture
def companies(chores_app) -> tuple[Company, Company]:
    """ACME uses chores (on by default); BETA switched it off."""
    return factories.company("ACME"), factories.company("BETA", "Beta 有限公司", modules={"chores": False})


def worker(holder: str, *names: str) -> Worker:
    """A worker for some of the app's jobs (all of them when none is named)."""
    jobs = collect_jobs(registry())
    return Worker({name: jobs[name] for name in names or jobs}, holder=holder)


def audit_count(company: Company, action: str) -> int:
    return db.session.execute(
        select(func.count()).select_from(AuditEntry)
        .where(AuditEntry.company_id == company.id, AuditEntry.action == action)
    ).scalar_one()


def test_hook_ordo_jobs(chores_app, companies):
    """A plugin's job runs for the companies whose modules include the plugin, and its result is kept."""
    acme, beta = companies

    runs = worker("w1", "chores.tidy").run_due(now=T0)

    assert [(run.name, run.outcome, run.result) for run in runs] == [
        ("chores.tidy", JobOutcome.SUCCEEDED, "ACME: tidied")]
    assert audit_count(acme, "chores_tidied") == 1
    assert audit_count(beta, "chores_tidied") == 0
    lease = lease_of("chores.tidy")
    assert (lease.last_outcome, lease.last_result) == (JobOutcome.SUCCEEDED, "ACME: tidied")
    assert lease.last_started_at == T0 and lease.leased_until is None


def test_a_per_company_job_runs_for_one_company_as_of_a_moment_when_asked(chores_app, companies):
    """``for_company`` does the job's work for the company named only, and nothing for one not using the plugin
    (the demo runs the jobs so, as of past moments, for its own company)."""
    acme, beta = companies
    gamma = factories.company("GAMMA", "Gamma 有限公司")
    run = collect_jobs(registry())["chores.tidy"].run
    assert isinstance(run, PerCompany)

    assert run.for_company(gamma, T0) == "tidied"
    assert run.for_company(beta, T0) is None

    tidied = db.session.execute(select(AuditEntry.company_id, AuditEntry.after).where(
        AuditEntry.action == "chores_tidied")).all()
    assert tidied == [(gamma.id, {"at": T0.isoformat()})]
    assert audit_count(acme, "chores_tidied") == 0


def test_the_core_contributes_its_outbox_and_documents_jobs_beside_the_plugins_jobs(chores_app):
    assert list(collect_jobs(registry())) == ["breaker.fail", "chores.tidy", "documents.render", "outbox.send"]


def test_two_plugins_may_not_contribute_jobs_of_the_same_name():
    twin = Manifest(name="twin", version="1.0", hooks="tests.core.samples.twin_chores")
    with pytest.raises(PluginError, match="two plugins contribute a job named 'chores.tidy'"):
        collect_jobs(PluginRegistry([CHORES, twin]))


def test_a_job_is_not_run_again_before_it_is_due(chores_app, companies):
    acme, _ = companies
    tidier = worker("w1", "chores.tidy")
    tidier.run_due(now=T0)

    assert tidier.run_due(now=T0 + timedelta(seconds=59)) == []
    assert tidier.run("chores.tidy", now=T0 + timedelta(seconds=59)) is None
    assert [run.name for run in tidier.run_due(now=T0 + timedelta(minutes=1))] == ["chores.tidy"]
    assert audit_count(acme, "chores_tidied") == 2


def test_while_one_worker_holds_the_lease_another_does_not_run_the_job(chores_app, companies):
    acme, _ = companies
    first, second = worker("first", "chores.tidy"), worker("second", "chores.tidy")
    assert first.acquire("chores.tidy", now=T0)  # the first worker is still running it

    later = T0 + timedelta(minutes=5)  # due again (every minute), but the 10-minute lease holds
    assert second.run_due(now=later) == []
    assert second.run("chores.tidy", now=later, force=True) is None
    assert audit_count(acme, "chores_tidied") == 0
    assert lease_of("chores.tidy").holder == "first"


def test_the_expired_lease_of_a_crashed_worker_is_taken_over(chores_app, companies):
    acme, _ = companies
    crashed, survivor = worker("crashed", "chores.tidy"), worker("survivor", "chores.tidy")
    assert crashed.acquire("chores.tidy", now=T0)  # and it never comes back

    runs = survivor.run_due(now=T0 + timedelta(minutes=10, seconds=1))

    assert [run.result for run in runs] == ["ACME: tidied"]
    lease = lease_of("chores.tidy")
    assert (lease.holder, lease.last_outcome) == ("survivor", JobOutcome.SUCCEEDED)
    assert audit_count(acme, "chores_tidied") == 1


def test_a_failing_job_is_rolled_back_and_recorded_and_the_worker_goes_on(chores_app, companies, caplog):
    acme, _ = companies
    caplog.set_level(logging.INFO, logger="core.jobs")

    runs = worker("w1", "breaker.fail", "chores.tidy").run_due(now=T0)

    assert [(run.name, run.outcome) for run in runs] == [
        ("breaker.fail", JobOutcome.FAILED), ("chores.tidy", JobOutcome.SUCCEEDED)]
    assert runs[0].result == "RuntimeError: the shelf broke"
    assert audit_count(acme, "shelf_checked") == 0  # its writes were rolled back
    assert audit_count(acme, "chores_tidied") == 1
    lease = lease_of("breaker.fail")
    assert (lease.last_outcome, lease.last_result) == (JobOutcome.FAILED, "RuntimeError: the shelf broke")
    assert lease.leased_until is None  # released: the next due run may go ahead
    assert any(record.levelno == logging.ERROR and "breaker.fail: failed" in record.getMessage()
               for record in caplog.records)
    assert "chores.tidy: ACME: tidied" in caplog.messages


@pytest.mark.postgres_only
@on_postgresql
def test_two_workers_on_postgresql_never_run_a_job_at_once(chores_app):
    ran: list[str] = []
    running, checked = threading.Event(), threading.Event()

    def hold(now: datetime) -> str:
        ran.append(threading.current_thread().name)
        running.set()
        assert checked.wait(timeout=20), "the second worker never checked"
        return "held"

    job = Job("race.hold", every=timedelta(minutes=1), run=hold)
    outcomes: dict[str, object] = {}

    def first() -> None:
        with chores_app.app_context():
            outcomes["first"] = Worker({job.name: job}, holder="first").run(job.name, now=T0)
            db.session.remove()

    def second() -> None:
        with chores_app.app_context():
            try:
                assert running.wait(timeout=20), "the first worker never started"
                rival = Worker({job.name: job}, holder="second")
                later = T0 + timedelta(minutes=5)
                outcomes["second"] = (rival.run_due(now=later), rival.run(job.name, now=later, force=True))
            finally:
                checked.set()
                db.session.remove()

    db.session.remove()
    threads = [threading.Thread(target=first, name="first"), threading.Thread(target=second, name="second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert ran == ["first"]
    assert outcomes["second"] == ([], None)
    assert lease_of(job.name).last_result == "held"


@pytest.mark.postgres_only
@on_postgresql
def test_two_workers_starting_together_on_postgresql_run_a_due_job_once(chores_app):
    ran: list[str] = []

    def note(now: datetime) -> str:
        ran.append(threading.current_thread().name)
        return "ran"

    job = Job("race.start", every=timedelta(minutes=1), run=note)
    together = threading.Barrier(2)

    def start(holder: str) -> None:
        with chores_app.app_context():
            rival = Worker({job.name: job}, holder=holder)
            together.wait(timeout=20)
            rival.run_due(now=T0)
            db.session.remove()

    db.session.remove()
    threads = [threading.Thread(target=start, args=(holder,), name=holder) for holder in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(ran) == 1
    lease = lease_of(job.name)
    assert (lease.holder, lease.last_result) == (ran[0], "ran")


# --- the command line ---------------------------------------------------------


def test_ordo_jobs_run_outbox_send_sends_the_outbox(mail_app, inbox):  # noqa: F811 - fixtures
    company = factories.company()
    queue(company)
    queue(company, recipient="li@example.cn", subject="发货通知")

    result = mail_app.test_cli_runner().invoke(args=["jobs", "run", "outbox.send"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "outbox.send: sent 2, to retry 0, given up 0"
    assert sorted(rcpt for e in inbox.envelopes for rcpt in e.rcpt_tos) == ["li@example.cn", "wang@example.cn"]
    again = mail_app.test_cli_runner().invoke(args=["jobs", "run", "outbox.send"])  # whatever the schedule
    assert again.output.strip() == "outbox.send: nothing to do"
    assert lease_of("outbox.send").last_outcome == JobOutcome.SUCCEEDED


def test_ordo_worker_once_runs_every_due_job_once(mail_app, inbox):  # noqa: F811 - fixtures
    queue(factories.company())

    result = mail_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    # Every job of the installed plugins runs once: billing's dunning (nothing overdue) and statements (no
    # customer owes anything), intake's imports (none handed in), logistics' sweeps of late cases and plans at
    # risk, the documents due (none), the outbox, review's sweep (nothing late) and kpi's monthly report (no
    # month ended since the company was set up).
    assert sorted(result.output.strip().splitlines()) == ["billing.dunning: succeeded: nothing to do",
                                                          "billing.statements: succeeded: nothing to do",
                                                          "documents.render: succeeded: nothing to do",
                                                          "intake.imports: succeeded: nothing to do",
                                                          "kpi.monthly_report: succeeded: nothing to do",
                                                          "logistics.case_sweep: succeeded: nothing to do",
                                                          "logistics.risk_sweep: succeeded: nothing to do",
                                                          "outbox.send: succeeded: sent 1, to retry 0, given up 0",
                                                          "review.sweep: succeeded: nothing to do"]
    assert len(inbox.envelopes) == 1
    again = mail_app.test_cli_runner().invoke(args=["worker", "--once"])  # the jobs ran seconds ago
    # Only the documents job, due every second, may run again by then.
    assert again.output.strip() in ("no job was due", "documents.render: succeeded: nothing to do")


def test_ordo_worker_once_exits_with_1_when_a_job_failed(chores_app, companies):
    result = chores_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 1
    assert "breaker.fail: failed: RuntimeError: the shelf broke" in result.output.splitlines()
    assert "chores.tidy: succeeded: ACME: tidied" in result.output.splitlines()


def test_ordo_jobs_list_shows_schedule_last_run_result_and_lease(chores_app, companies):
    worker("w1", "chores.tidy").run_due(now=T0)
    assert worker("w2", "breaker.fail").acquire("breaker.fail", now=datetime.now(timezone.utc))

    result = chores_app.test_cli_runner().invoke(args=["jobs", "list"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[lines.index("chores.tidy  every 1 min  Tidy up for every company using chores.") + 1:][:2] == [
        "    last run: started 2026-11-27 09:00:00 UTC, succeeded: ACME: tidied",
        "    lease: free",
    ]
    breaker = lines.index("breaker.fail  every 1 min")
    assert lines[breaker + 1].startswith("    last run: started ")
    assert lines[breaker + 1].endswith(", not finished")
    assert lines[breaker + 2].startswith("    lease: held by w2 until ")
    outbox = lines.index("outbox.send  every 30 s  Send queued notifications over SMTP; failures are retried "
                         "with back-off.")
    assert lines[outbox + 1:outbox + 3] == ["    last run: never", "    lease: free"]


def test_ordo_jobs_run_refuses_while_another_worker_holds_the_lease(chores_app, companies):
    assert worker("elsewhere", "chores.tidy").acquire("chores.tidy", now=datetime.now(timezone.utc))

    result = chores_app.test_cli_runner().invoke(args=["jobs", "run", "chores.tidy"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: chores.tidy is running (held by elsewhere until ")
    assert audit_count(companies[0], "chores_tidied") == 0


def test_ordo_jobs_run_names_an_unknown_job_in_one_line(chores_app):
    result = chores_app.test_cli_runner().invoke(args=["jobs", "run", "chores.sweep"])

    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["Error: no job named 'chores.sweep' (see 'ordo jobs list')"]


def test_the_worker_stops_on_sigterm_once_the_running_job_has_finished(make_app):
    app = make_app(plugins=[ALARM, CHORES])
    with app.app_context():
        acme_id = factories.company("ACME").id
        before = signal.getsignal(signal.SIGTERM)

        result = app.test_cli_runner().invoke(args=["worker", "--interval", "0.1"])

        assert result.exit_code == 0, result.output
        lease = lease_of("alarm.ring")
        assert (lease.last_outcome, lease.last_result) == (JobOutcome.SUCCEEDED, "rang")  # finished, not cut off
        assert lease_of("chores.tidy") is None  # the next job was not started
        assert audit_count(db.session.get(Company, acme_id), "chores_tidied") == 0
        assert signal.getsignal(signal.SIGTERM) is before
