"""The core's ``ordo`` commands, added to the app's CLI by the factory.

``ordo db upgrade`` comes from ``core.migrations``; the ``ordo`` program itself
is ``core.console``.
"""
from __future__ import annotations

import logging
import sys
from typing import NoReturn
import threading
from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core import backup, companies, demo_history, mailsink
from core.auth.services import create_token
from core.db import unit_of_work
from core.demo import load_demo
from core.demo_history import History
from core.errors import OrdoError
from core.extensions import db
from core.jobs import Worker, collect_jobs, lease_of, leases, serve, stopping_on_signals
from core.models import Company, JobLease, User, utcnow
from core.modules import module_states, set_enabled
from core.outbox import send_pending
from core.plugins import registry


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2, for bad input on the command line."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _company(code: str):
    company = companies.company_by_code(code)
    if company is None:
        fail(f"no company with the code {code!r}")
    return company


@click.group("companies")
def companies_group() -> None:
    """Manage companies."""


@companies_group.command("create")
@click.argument("code")
@click.argument("name")
@with_appcontext
def companies_create(code: str, name: str) -> None:
    """Create company CODE called NAME, with the built-in roles and their default permissions."""
    try:
        with unit_of_work():
            company = companies.create_company(code, name)
    except OrdoError as error:
        fail(error.message)
    click.echo(f"created company {company.code} ({company.name})")


@click.group("users")
def users_group() -> None:
    """Manage users."""


@users_group.command("create")
@click.option("--company", "company_code", required=True, help="company code")
@click.option("--username", required=True)
@click.option("--name", default=None)
@click.option("--email", default=None)
@click.option("--role", "roles", multiple=True, help="role name; repeat for several")
@click.password_option()
@with_appcontext
def users_create(company_code: str, username: str, name: str | None, email: str | None,
                 roles: tuple[str, ...], password: str) -> None:
    """Create a user in a company."""
    company = _company(company_code)
    try:
        with unit_of_work():
            user = companies.create_user(company, username=username, password=password,
                                         name=name or username, email=email, roles=roles)
    except OrdoError as error:
        fail(error.message)
    click.echo(f"created user {user.username} in {company.code} with roles {', '.join(roles) or '-'}")


@click.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True, help="what will use the token")
@with_appcontext
def tokens_create(username: str, name: str) -> None:
    """Create a bearer token for a user and print it (it is shown only once)."""


    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        fail(f"no user named {username!r}")
    try:
        with unit_of_work():
            plain, _ = create_token(user, name)
    except OrdoError as error:
        fail(error.message)
    click.echo(plain)


@click.group("plugins")
def plugins_group() -> None:
    """Inspect installed plugins."""


@plugins_group.command("list")
@with_appcontext
def plugins_list() -> None:
    """Every plugin: name, version, stage, enabled per company, hooks implemented."""


    reg = registry()
    company_rows = db.session.execute(select(Company).order_by(Company.code)).scalars().all()
    states = {c.code: {s.manifest.name: s for s in module_states(c.id)} for c in company_rows}
    def state(module) -> str:
        if module.active:
            return "on"
        return "waiting for " + "+".join(module.missing) if module.enabled else "off"

    for manifest in reg.manifests.values():
        per_company = ", ".join(
            f"{code}={state(modules[manifest.name])}" for code, modules in states.items()
        ) or "no companies"
        click.echo(f"{manifest.name} {manifest.version}  stage={manifest.stage.value if manifest.stage else '-'}"
                   f"{'  required' if manifest.required else ''}  depends={','.join(manifest.depends) or '-'}")
        click.echo(f"    enabled: {per_company}")
        click.echo(f"    hooks: {', '.join(reg.hooks_implemented(manifest.name))}")


@click.group("modules")
def modules_group() -> None:
    """Switch modules on and off per company, at run time."""


def _toggle(name: str, company_code: str, enabled: bool) -> None:

    if name not in registry().manifests:
        fail(f"no plugin named {name!r} is installed (see 'ordo plugins list')")
    company = _company(company_code)
    try:
        with unit_of_work():
            state = set_enabled(company, name, enabled, actor=None)
    except OrdoError as error:
        fail(error.message)
    status = "on" if state.active else ("off" if not state.enabled else "on, waiting for " + ", ".join(state.missing))
    click.echo(f"{name} is {status} for {company.code}")


@modules_group.command("enable")
@click.argument("name")
@click.option("--company", "company_code", required=True)
@with_appcontext
def modules_enable(name: str, company_code: str) -> None:
    """Switch module NAME on for a company."""
    _toggle(name, company_code, True)


@modules_group.command("disable")
@click.argument("name")
@click.option("--company", "company_code", required=True)
@with_appcontext
def modules_disable(name: str, company_code: str) -> None:
    """Switch module NAME off for a company; orders in flight finish as they started."""
    _toggle(name, company_code, False)


@click.group("outbox")
def outbox_group() -> None:
    """The notification outbox."""


@outbox_group.command("send")
@click.option("--limit", default=100, show_default=True)
@with_appcontext
def outbox_send(limit: int) -> None:
    """Send due notifications over SMTP; failures are retried on the next run."""

    report = send_pending(limit=limit)
    click.echo(f"sent {report.sent}, to retry {report.retried}, given up {report.failed}")


def _log_to_stderr() -> None:
    """The worker's log lines on stderr, unless logging is set up already (tests, a wrapper)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _interval(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{every.total_seconds():g} s"


def _last_run(lease: JobLease | None) -> str:
    if lease is None or lease.last_started_at is None:
        return "never"
    started = _when(lease.last_started_at)
    if lease.last_outcome is None or lease.last_finished_at is None or lease.last_finished_at < lease.last_started_at:
        return f"started {started}, not finished"
    return f"started {started}, {lease.last_outcome.value}: {lease.last_result or 'nothing to do'}"


def _lease(lease: JobLease | None, now: datetime) -> str:
    if lease is None or lease.leased_until is None or lease.leased_until < now:
        return "free"
    return f"held by {lease.holder} until {_when(lease.leased_until)}"


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every due job once, then exit.")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between two passes over the jobs.")
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Run the periodic jobs of the core and every plugin, each under a lease in the database.

    Several workers, on one machine or several, never run one job at once.
    SIGTERM or SIGINT stops the worker once the running job has finished.
    """
    _log_to_stderr()
    worker = Worker(collect_jobs(registry()))
    with stopping_on_signals(threading.Event()) as stop:
        if not once:
            serve(worker, interval=interval, stop=stop)
            return
        runs = worker.run_due(stop=stop)
    for run in runs:
        click.echo(f"{run.name}: {run.outcome.value}: {run.result or 'nothing to do'}")
    if not runs:
        click.echo("no job was due")
    if any(run.failed for run in runs):
        sys.exit(1)


@click.command("mailsink")
@click.option("--host", default=None, help="Address to listen on (default: ORDO_SMTP_HOST).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default: ORDO_SMTP_PORT).")
@click.option("--folder", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Where to keep the messages (default: the instance folder's mail/).")
@with_appcontext
def mailsink_command(host: str | None, port: int | None, folder: Path | None) -> None:
    """Catch the outbox's emails on this machine and keep each as a .eml file (for the demo and tests).

    It listens where the outbox sends, so the worker's emails land here; SIGTERM or SIGINT stops it.
    """
    config = current_app.config
    host = host or config["ORDO_SMTP_HOST"]
    port = port or config["ORDO_SMTP_PORT"]
    folder = folder or Path(current_app.instance_path) / "mail"
    with stopping_on_signals(threading.Event()) as stop:
        try:
            controller = mailsink.start(host, port, folder)
        except OSError as error:
            fail(f"cannot listen on {host}:{port}: {error}")
        click.echo(f"Keeping the emails sent to {host}:{port} in {folder}")
        stop.wait()
        controller.stop()


@click.group("jobs")
def jobs_group() -> None:
    """Periodic jobs: their schedule and last run; run one now."""


@jobs_group.command("list")
@with_appcontext
def jobs_list() -> None:
    """Every job: its schedule, its last run and result, and who holds its lease."""
    now = utcnow()
    rows = leases()
    for name, job in collect_jobs(registry()).items():
        click.echo(f"{name}  every {_interval(job.every)}  {job.description}".rstrip())
        click.echo(f"    last run: {_last_run(rows.get(name))}")
        click.echo(f"    lease: {_lease(rows.get(name), now)}")


@jobs_group.command("run")
@click.argument("name")
@with_appcontext
def jobs_run(name: str) -> None:
    """Run job NAME once now, under its lease, whatever its schedule says."""
    _log_to_stderr()
    worker = Worker(collect_jobs(registry()))
    if name not in worker.jobs:
        fail(f"no job named {name!r} (see 'ordo jobs list')")
    with stopping_on_signals(threading.Event()):
        run = worker.run(name, force=True)
    if run is None:
        click.echo(f"Error: {name} is running ({_lease(lease_of(name), utcnow())}); try again later", err=True)
        sys.exit(1)
    if run.failed:
        click.echo(f"Error: {name} failed and was rolled back: {run.result}", err=True)
        sys.exit(1)
    click.echo(f"{name}: {run.result or 'nothing to do'}")


@click.group("backup")
def backup_group() -> None:
    """Back the database up into one file with a manifest; verify a backup; restore one."""


def _backup_failed(error: backup.BackupError) -> NoReturn:
    click.echo(f"Error: {error}", err=True)
    sys.exit(1)


def _report(verification: backup.Verification) -> None:
    """Table by table, what the restored copy holds against the manifest; exit 1 on any difference."""
    manifest = verification.manifest
    click.echo(f"checksum of the dump: {'ok' if verification.checksum_ok else 'MISMATCH'}")
    if not verification.checksum_ok:
        click.echo("Error: the dump does not match its checksum: the file is damaged or was changed", err=True)
        sys.exit(1)
    heads = ", ".join(verification.schema_heads or ()) or "none"
    click.echo(f"schema heads: {heads} ({'ok' if verification.heads_ok else 'MISMATCH'})")
    width = max((len(check.name) for check in verification.tables), default=0)
    for check in verification.tables:
        if check.ok:
            click.echo(f"  {check.name:<{width}}  {check.found:>9}  ok")
        else:
            expected = "missing" if check.expected is None else check.expected
            found = "missing" if check.found is None else check.found
            click.echo(f"  {check.name:<{width}}  manifest {expected}, restored {found}  MISMATCH")
    if not verification.ok:
        click.echo("Error: the restored copy does not match the manifest", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(verification.tables)} tables, {verification.rows} rows, as the manifest says "
               f"(a {manifest.database} backup of {_when(manifest.created_at)})")


@backup_group.command("create")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write (never replaced); by default backups/ordo-<UTC time>.zip "
                   "in the instance folder.")
@with_appcontext
def backup_create(output: Path | None) -> None:
    """Write a consistent backup of the database, while the app goes on writing."""
    try:
        path, manifest = backup.create_backup(output)
    except backup.BackupError as error:
        _backup_failed(error)
    click.echo(f"backup written to {path}")
    click.echo(f"  {manifest.database} {manifest.server_version or ''}".rstrip()
               + f", schema heads: {', '.join(manifest.schema_heads) or 'none'}")
    click.echo(f"  {len(manifest.tables)} tables, {manifest.rows} rows; sha256 of the dump {manifest.dump_sha256}")


@backup_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_verify(file: Path) -> None:
    """Restore FILE into a scratch database and compare its checksum and rows with its manifest (exit 1 if not)."""
    try:
        verification = backup.verify_backup(file)
    except backup.BackupError as error:
        _backup_failed(error)
    _report(verification)


@backup_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Yes, replace the current database with the backup's.")
@click.option("--allow-other-schema", is_flag=True,
              help="Restore a backup made under other migrations; run 'ordo db upgrade' afterwards.")
@with_appcontext
def backup_restore(file: Path, yes: bool, allow_other_schema: bool) -> None:
    """Replace the configured database with the one in FILE. Stop the app and the workers first."""
    if not yes:
        fail("restoring replaces the current database and everything written since the backup; "
             "stop the app and the workers, then run again with --yes")
    try:
        verification = backup.restore_backup(file, allow_other_schema=allow_other_schema)
    except backup.BackupError as error:
        _backup_failed(error)
    click.echo(f"restored {file}")
    _report(verification)
    if verification.schema_heads is not None and verification.schema_heads != backup.code_heads():
        click.echo("The schema is not this code's: run 'ordo db upgrade' before starting the app.")


@click.command("demo")
@click.option("--company", "company_code", default="DEMO", show_default=True)
@click.option("--history/--no-history", default=True, show_default=True,
              help="Months of orders before today's (cloned from flows walked through the services).")
@click.option("--months", type=click.IntRange(1, 36), default=demo_history.DEFAULT_MONTHS, show_default=True,
              help="How many months of history.")
@click.option("--orders", type=click.IntRange(0, 1_000_000), default=demo_history.DEFAULT_ORDERS,
              show_default=True, help="How many orders of history.")
@with_appcontext
def demo(company_code: str, history: bool, months: int, orders: int) -> None:
    """Load a demo company: a user per role, customers, products, orders in every stage today and, unless
    --no-history, a year of orders before them."""
    try:
        if history:
            with click.progressbar(length=orders, label="History", show_pos=True, file=sys.stderr) as bar:
                credentials = load_demo(company_code, History(months=months, orders=orders, progress=bar.update))
        else:
            credentials = load_demo(company_code)
    except OrdoError as error:
        fail(error.message)
    click.echo(f"Demo company {company_code} is ready. Sign in with:")
    for username, password, role in credentials:
        click.echo(f"  {username:<12} {password:<16} {role}")


def register(app: Flask) -> None:
    for command in (companies_group, users_group, tokens_group, plugins_group, modules_group, outbox_group, demo):
        app.cli.add_command(command)
    app.cli.add_command(worker_command)
    app.cli.add_command(mailsink_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(backup_group)
