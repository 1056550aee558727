"""The worker: the periodic jobs of the core and every plugin, each run under a lease.

``ordo worker`` runs :func:`serve`: every few seconds it runs each job that is
due and whose lease it can take; ``ordo worker --once`` makes one such pass and
``ordo jobs run NAME`` runs one job now. Several workers, on one machine or on
several, share the ``job_lease`` table (one row per job):

- Taking a lease is one UPDATE, atomic on SQLite and on PostgreSQL, that
  matches only while the lease is free (released, expired, or already ours)
  and, unless the run is forced, the job is due (``every`` after its last
  start); it writes the holder, the lease's end and the start. Of several
  workers exactly one UPDATE matches the row; the others match none and skip
  the job. The row is created first by an insert that ignores a duplicate.
- The job then runs in a transaction of its own (committed when it returns,
  rolled back when it raises), and the lease is released with the outcome and
  what the job said it did. A worker that dies mid-run leaves its lease to
  expire (``Job.lease``); the job runs again when it is next due, so jobs are
  idempotent.
- Workers compare leases with their own clocks: keep the machines' clocks in
  step (NTP), as for any lease.

Why a table of our own rather than a job library: none of the libraries we
looked at serves both the SQLite default and PostgreSQL with several
instances. APScheduler 3 cannot share a job store between processes (its FAQ:
duplicate or missed runs); APScheduler 4, which can, is a pre-release its
author says not to use in production. procrastinate is PostgreSQL only. huey
stores in SQLite or PostgreSQL, but every consumer enqueues the periodic tasks,
so exactly one may run with them (the others with ``--no-periodic``): a single
scheduler again, and task locks left by a crash wait for a restart with
``--flush-locks``. RQ needs Redis, which the embedded default does not have.
Our jobs are few and periodic; a lease is one row and two statements.
"""
from __future__ import annotations

import logging
import os
import re
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.contracts import Job
from core.db import commit, unit_of_work
from core.errors import PluginError
from core.extensions import db
from core.models import Company, JobLease, JobOutcome, utcnow
from core.modules import modules_in_use
from core.plugins import PluginRegistry

LOG = logging.getLogger(__name__)

JOB_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
MAX_NAME = 100  # job_lease.name
INSERT_IGNORING_DUPLICATES: dict[str, Callable[..., Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def collect_jobs(registry: PluginRegistry) -> dict[str, Job]:
    """Every job contributed through ``ordo_jobs``, by name; a bad or duplicate name stops start-up."""
    jobs: dict[str, Job] = {}
    for contributed in registry.all_hooks.ordo_jobs():
        for job in contributed:
            if len(job.name) > MAX_NAME or not JOB_NAME.fullmatch(job.name):
                raise PluginError(f"job name {job.name!r} is not '<plugin>.<what>' in lower case "
                                  f"(at most {MAX_NAME} characters)")
            if job.every <= timedelta(0) or job.lease <= timedelta(0):
                raise PluginError(f"job {job.name!r}: 'every' and 'lease' must be longer than zero")
            if job.name in jobs:
                raise PluginError(f"two plugins contribute a job named {job.name!r}")
            jobs[job.name] = job
    return dict(sorted(jobs.items()))


# --- company-aware jobs -------------------------------------------------------


def companies_using(plugin: str) -> list[Company]:
    """The companies whose work includes ``plugin``: switched on, or pinned on their orders in flight.

    A module switched off still finishes the orders that started with it, so
    its jobs (a deadline sweep, say) keep working for those orders.
    """
    companies = db.session.execute(select(Company).order_by(Company.id)).scalars().all()
    return [company for company in companies if plugin in modules_in_use(company.id)]


class PerCompany:
    """A job's ``run`` that does ``work`` for each company using ``plugin`` and says what it did for each.

    ``work(company, now)`` returns what it did for that company, or ``None``
    when there was nothing to do there. :meth:`for_company` runs it for one
    company only (the demo's history runs the jobs as of past moments for its own company, and no other).
    """

    def __init__(self, plugin: str, work: Callable[[Company, datetime], str | None]) -> None:
        self.plugin, self.work = plugin, work

    def __call__(self, now: datetime) -> str | None:
        done = []
        for company in companies_using(self.plugin):
            result = self.work(company, now)
            if result:
                done.append(f"{company.code}: {result}")
        return "; ".join(done) or None

    def for_company(self, company: Company, now: datetime) -> str | None:
        return self.work(company, now) if self.plugin in modules_in_use(company.id) else None


def per_company(plugin: str, work: Callable[[Company, datetime], str | None]) -> PerCompany:
    """A job's ``run`` that does ``work`` for each company using ``plugin`` (:class:`PerCompany`)."""
    return PerCompany(plugin, work)


# --- the worker ---------------------------------------------------------------


@dataclass(frozen=True)
class JobRun:
    """What one run of a job did."""

    name: str
    outcome: JobOutcome
    result: str | None  # what the job said it did, or the error that rolled it back

    @property
    def failed(self) -> bool:
        return self.outcome is JobOutcome.FAILED


def default_holder() -> str:
    """This process's name in the lease table: host, process id and a random suffix."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_of(name: str) -> JobLease | None:
    return db.session.get(JobLease, name)


def leases() -> dict[str, JobLease]:
    """Every job's lease row, by name (a job that never ran has none)."""
    return {lease.name: lease for lease in db.session.execute(select(JobLease)).scalars()}


class Worker:
    """Runs jobs as one lease holder; :func:`serve` calls it in a loop.

    Every ``now`` parameter stands for the clock during the whole call (tests
    pass it); without it the worker reads the clock itself.
    """

    def __init__(self, jobs: Mapping[str, Job], *, holder: str | None = None) -> None:
        self.jobs = dict(jobs)
        self.holder = holder or default_holder()

    def run_due(self, *, now: datetime | None = None, stop: threading.Event | None = None) -> list[JobRun]:
        """Run each job that is due and free, in name order; stop early once ``stop`` is set."""
        # One read decides which jobs to try, so an idle pass writes nothing;
        # the lease's UPDATE then decides for real.
        seen = {lease.name: (lease.holder, lease.leased_until, lease.last_started_at) for lease in leases().values()}
        runs = []
        for name, job in self.jobs.items():
            if stop is not None and stop.is_set():
                break
            at = now or utcnow()
            if name in seen and not self._looks_due(job, *seen[name], at):
                continue
            run = self.run(name, now=at)
            if run is not None:
                runs.append(run)
        return runs

    def _looks_due(self, job: Job, holder: str | None, leased_until: datetime | None,
                   last_started_at: datetime | None, now: datetime) -> bool:
        if leased_until is not None and leased_until >= now and holder != self.holder:
            return False
        return last_started_at is None or last_started_at <= now - job.every

    def acquire(self, name: str, *, now: datetime | None = None, force: bool = False) -> bool:
        """Take the job's lease when it is free and, unless ``force``, the job is due; committed at once."""
        job = self.jobs[name]
        now = now or utcnow()
        dialect = db.session.get_bind().dialect.name
        insert = INSERT_IGNORING_DUPLICATES.get(dialect)
        if insert is None:
            raise RuntimeError(f"job leases need SQLite or PostgreSQL, not {dialect}")
        # On the session's connection, in its transaction: a Core UPDATE says how many rows it matched.
        connection = db.session.connection()
        connection.execute(insert(JobLease).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
        conditions = [
            JobLease.name == name,
            or_(JobLease.leased_until.is_(None), JobLease.leased_until < now, JobLease.holder == self.holder),
        ]
        if not force:
            conditions.append(or_(JobLease.last_started_at.is_(None), JobLease.last_started_at <= now - job.every))
        taken = connection.execute(
            update(JobLease).where(*conditions).values(holder=self.holder, leased_until=now + job.lease,
                                                       last_started_at=now)
        ).rowcount
        commit()
        return taken == 1

    def run(self, name: str, *, now: datetime | None = None, force: bool = False) -> JobRun | None:
        """Run one job once under its lease, in its own transaction.

        Returns ``None`` without running it when another worker holds the lease
        or, unless ``force``, the job is not due yet.
        """
        job = self.jobs[name]
        started = now or utcnow()
        if not self.acquire(name, now=started, force=force):
            return None
        LOG.info("%s: started by %s", name, self.holder)
        try:
            with unit_of_work():
                result = job.run(started)
        except Exception as error:  # whatever a job raises is recorded; the worker goes on with the next
            LOG.exception("%s: failed and was rolled back", name)
            run = JobRun(name, JobOutcome.FAILED, f"{type(error).__name__}: {error}"[:2000])
        else:
            LOG.info("%s: %s", name, result or "nothing to do")
            run = JobRun(name, JobOutcome.SUCCEEDED, result)
        self._release(run, finished_at=now or utcnow())
        return run

    def _release(self, run: JobRun, *, finished_at: datetime) -> None:
        released = db.session.connection().execute(
            update(JobLease)
            .where(JobLease.name == run.name, JobLease.holder == self.holder)
            .values(leased_until=None, last_finished_at=finished_at, last_outcome=run.outcome,
                    last_result=run.result)
        ).rowcount
        commit()
        if released != 1:
            LOG.warning("%s: the run outlived its lease and another worker took the job over; "
                        "lengthen the job's lease", run.name)


def serve(worker: Worker, *, interval: float, stop: threading.Event) -> None:
    """Run the due jobs every ``interval`` seconds until ``stop`` is set; a running job finishes first."""
    LOG.info("worker %s started; jobs: %s", worker.holder, ", ".join(worker.jobs) or "none")
    while not stop.is_set():
        try:
            worker.run_due(stop=stop)
        except Exception:  # the database is away, say: the next pass tries again
            LOG.exception("worker pass failed; trying again in %s s", interval)
        finally:
            db.session.remove()
        stop.wait(interval)
    LOG.info("worker %s stopped", worker.holder)


@contextmanager
def stopping_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """Set ``stop`` on SIGTERM or SIGINT while the block runs, then restore the previous handlers."""

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
