"""Backups: made while orders are written, verified in a scratch database, restored with every committed row.

Every database these tests back up or restore into is a scratch one of their own
(a file on SQLite, ``<test database>_<what>_<random>`` on PostgreSQL), dropped afterwards.
"""
from __future__ import annotations

import json
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from core import backup
from core.db import unit_of_work
from core.extensions import db
from core.models import Company, Order, User
from plugins.intake import services
from tests import factories
from tests.plugins.intake.helpers import order_data

WAIT = 60  # seconds a test waits for the other thread before it calls the run broken


@pytest.fixture
def scratch(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Make empty databases of the test's own: a file on SQLite, a new database on PostgreSQL."""
    url = make_url(database_url)
    made: list[str] = []
    server = None
    if url.get_backend_name() != "sqlite":
        server = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")

    def make(what: str) -> str:
        if server is None:
            return f"sqlite:///{tmp_path / f'{what}.sqlite'}"
        name = f"{url.database}_{what}_{uuid.uuid4().hex[:8]}"
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    yield make
    if server is not None:
        with server.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def shop(scratch, make_app) -> Iterator[tuple[Flask, factories.World]]:
    """An app on a database of its own, made by the migrations (so it has schema heads), with a company."""
    app = make_app({"SQLALCHEMY_DATABASE_URI": scratch("source")})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        yield app, factories.build_world(app)
        db.session.remove()


class OrderWriter(threading.Thread):
    """A clerk entering orders through intake's service, one transaction each, in an app context of its own."""

    def __init__(self, app: Flask, world: factories.World) -> None:
        super().__init__(name="order-writer")
        self.app = app
        self.company_id, self.clerk_id = world.company.id, world.users["sales"].id
        self.data = order_data(world)
        self.committed: list[int] = []
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                company, clerk = db.session.get_one(Company, self.company_id), db.session.get_one(User, self.clerk_id)
                while not self.stop.is_set():
                    with unit_of_work():
                        ident = services.create_draft(company, self.data, clerk).id
                    with self.changed:
                        self.committed.append(ident)
                        self.changed.notify_all()
                db.session.remove()
        except BaseException as error:  # handed to the test, which raises it
            self.error = error
            with self.changed:
                self.changed.notify_all()

    def wait_for(self, count: int) -> list[int]:
        """Block until ``count`` orders are committed in all; the ids committed so far."""
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.committed) >= count or self.error is not None, WAIT)
            assert self.error is None, self.error
            return list(self.committed)

    def finish(self) -> list[int]:
        self.stop.set()
        self.join(WAIT)
        assert not self.is_alive() and self.error is None, self.error
        return list(self.committed)


def order_ids() -> set[int]:
    return set(db.session.execute(select(Order.id)).scalars())


def invoke(app: Flask, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=["backup", *args])


def on_postgresql(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


# --- the round trip -----------------------------------------------------------


def test_a_backup_made_while_orders_are_written_holds_every_order_committed_before_it(
        shop, scratch, make_app, tmp_path, monkeypatch):
    app, world = shop
    file = tmp_path / "while-writing.zip"
    writer = OrderWriter(app, world)
    late: list[int] = []
    if on_postgresql(app):
        # Between the exported snapshot (and the counts taken in it) and pg_dump, the clerk
        # commits three more orders: neither the counts nor the dump may hold them.
        run_tool = backup.run_tool

        def dump_after_more_orders(arguments, env):
            if Path(arguments[0]).name == "pg_dump":
                seen = len(writer.wait_for(0))
                late.extend(writer.wait_for(seen + 3)[seen:])
            run_tool(arguments, env)

        monkeypatch.setattr(backup, "run_tool", dump_after_more_orders)

    writer.start()
    try:
        before = writer.wait_for(5)
        created = invoke(app, "create", "--output", str(file))
        writer.wait_for(len(writer.committed) + 3)  # the clerk went on writing after the backup
    finally:
        written = writer.finish()
    assert created.exit_code == 0, created.output
    assert created.output.startswith(f"backup written to {file}")

    verified = invoke(app, "verify", str(file))
    assert verified.exit_code == 0, verified.output
    assert "checksum of the dump: ok" in verified.output
    assert verified.output.splitlines()[-1].startswith("ok: ")

    target = make_app({"SQLALCHEMY_DATABASE_URI": scratch("restored")})
    restored = invoke(target, "restore", str(file), "--yes")
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        ids = order_ids()
        db.session.remove()
    manifest = backup.read_manifest(file)
    assert set(before) <= ids <= set(written)
    assert not ids & set(late)
    assert manifest.tables["order"] == len(ids)
    assert len(written) > len(ids)  # the clerk's later orders are not in it: a snapshot, not a moving copy


def test_the_manifest_says_what_the_backup_holds(shop, tmp_path):
    app, world = shop
    for _ in range(3):
        with unit_of_work():
            services.create_draft(world.company, order_data(world), world.users["sales"])
    file = tmp_path / "manifest.zip"
    assert invoke(app, "create", "--output", str(file)).exit_code == 0

    manifest = backup.read_manifest(file)
    with app.app_context():
        assert manifest.database == db.engine.dialect.name
        assert manifest.schema_heads == backup.code_heads()
        counts = {name: db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                  for name in ("order", "order_line", "customer", "user", "alembic_version")}
    assert {name: manifest.tables[name] for name in counts} == counts
    assert manifest.tables["order"] == 3
    assert manifest.created_at.utcoffset() is not None and manifest.created_at.utcoffset().total_seconds() == 0
    assert manifest.ordo_version == "0.1.0"
    with zipfile.ZipFile(file) as container:
        assert sorted(container.namelist()) == sorted(["manifest.json", manifest.dump_name])
        dump = tmp_path / "dump"
        dump.write_bytes(container.read(manifest.dump_name))
    assert backup.sha256_of(dump) == manifest.dump_sha256
    assert file.stat().st_mode & 0o077 == 0  # customer data and password hashes: the owner's only


def test_a_backup_goes_to_the_instance_folder_with_a_timestamped_name(app, world, runner):
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.splitlines()[0].removeprefix("backup written to "))
    try:
        assert path.parent == Path(app.instance_path) / "backups"
        manifest = backup.read_manifest(path)
        assert path.name == f"ordo-{manifest.created_at:%Y%m%dT%H%M%SZ}.zip"
        assert manifest.tables["user"] == len(world.users)
    finally:
        path.unlink()


def test_a_backup_never_replaces_a_file(app, world, runner, tmp_path):
    existing = tmp_path / "taken.zip"
    existing.write_bytes(b"someone's file")
    result = runner.invoke(args=["backup", "create", "--output", str(existing)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {existing} exists already; name another file"
    assert existing.read_bytes() == b"someone's file"


# --- verify -------------------------------------------------------------------


@pytest.fixture
def made(app, world, runner, tmp_path) -> Path:
    """A backup of the world's database."""
    file = tmp_path / "made.zip"
    result = runner.invoke(args=["backup", "create", "--output", str(file)])
    assert result.exit_code == 0, result.output
    return file


def rewrite(file: Path, change: Callable[[str, bytes], bytes]) -> None:
    """Write the backup again, each member's bytes passed through ``change`` (with valid CRCs)."""
    with zipfile.ZipFile(file) as container:
        members = {name: container.read(name) for name in container.namelist()}
    with zipfile.ZipFile(file, "w") as container:
        for name, data in members.items():
            container.writestr(name, change(name, data))


def test_a_changed_dump_fails_verify(made, runner):
    manifest = backup.read_manifest(made)

    def change(name: str, data: bytes) -> bytes:
        if name != manifest.dump_name:
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]

    rewrite(made, change)
    result = runner.invoke(args=["backup", "verify", str(made)])
    assert result.exit_code == 1
    assert "checksum of the dump: MISMATCH" in result.output
    assert "Error: the dump does not match its checksum" in result.output


def test_a_damaged_file_fails_verify(made, runner):
    with zipfile.ZipFile(made) as container:
        info = container.getinfo(backup.read_manifest(made).dump_name)
    raw = bytearray(made.read_bytes())
    # The member's bytes start after its local header (30 bytes, its name, its extra field).
    name_length = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
    extra_length = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    raw[at] ^= 0xFF
    made.write_bytes(bytes(raw))
    result = runner.invoke(args=["backup", "verify", str(made)])
    assert result.exit_code == 1
    assert "checksum of the dump: MISMATCH" in result.output


def test_a_manifest_that_miscounts_fails_verify(made, runner):
    counted = backup.read_manifest(made).tables["customer"]

    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["customer"] += 1
        manifest["tables"]["no_such_table"] = 0
        return json.dumps(manifest).encode()

    rewrite(made, change)
    result = runner.invoke(args=["backup", "verify", str(made)])
    assert result.exit_code == 1
    lines = [line.split() for line in result.output.splitlines()]
    assert ["customer", "manifest", f"{counted + 1},", "restored", str(counted), "MISMATCH"] in lines
    assert ["no_such_table", "manifest", "0,", "restored", "missing", "MISMATCH"] in lines
    assert "Error: the restored copy does not match the manifest" in result.output


def test_a_file_that_is_no_backup_is_one_line_and_exit_status_1(app, runner, tmp_path):
    file = tmp_path / "holiday.zip"
    file.write_bytes(b"not a zip at all")
    result = runner.invoke(args=["backup", "verify", str(file)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {file} is not an Ordo backup (File is not a zip file)"]


def test_verify_on_postgresql_drops_its_scratch_database(made, runner, app):
    if not on_postgresql(app):
        pytest.skip("PostgreSQL only: SQLite's scratch copy is a temporary file")
    result = runner.invoke(args=["backup", "verify", str(made)])
    assert result.exit_code == 0, result.output
    left = db.session.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'ordo_verify_%'")).all()
    assert left == []


def test_a_missing_pg_dump_is_named_with_what_to_install(make_app, world, tmp_path):
    probe = make_app({"ORDO_PG_DUMP": str(tmp_path / "no-such-pg_dump")})
    if not on_postgresql(probe):
        pytest.skip("PostgreSQL only: SQLite backs up without pg_dump")
    result = invoke(probe, "create", "--output", str(tmp_path / "never.zip"))
    assert result.exit_code == 1
    assert "not found: install postgresql-client (Debian) or name the program in ORDO_PG_DUMP" in result.output
    assert not (tmp_path / "never.zip").exists()


# --- restore ------------------------------------------------------------------


def test_restore_without_yes_refuses_and_leaves_the_database_alone(made, app, world, runner):
    customers = db.session.execute(text("SELECT count(*) FROM customer")).scalar_one()
    factories.customer(world.company, "C003", "广州南方物流有限公司")
    result = runner.invoke(args=["backup", "restore", str(made)])
    assert result.exit_code == 2
    assert "run again with --yes" in result.output
    assert db.session.execute(text("SELECT count(*) FROM customer")).scalar_one() == customers + 1


def test_restore_refuses_another_schema_unless_told(made, scratch, make_app):
    # The world's database was made by create_all, so its backup records no schema heads.
    target = make_app({"SQLALCHEMY_DATABASE_URI": scratch("other_schema")})
    refused = invoke(target, "restore", str(made), "--yes")
    assert refused.exit_code == 1
    assert "is not this code's" in refused.output and "--allow-other-schema" in refused.output

    allowed = invoke(target, "restore", str(made), "--yes", "--allow-other-schema")
    assert allowed.exit_code == 0, allowed.output
    assert "run 'ordo db upgrade'" in allowed.output
    with target.app_context():
        assert db.session.execute(text("SELECT count(*) FROM customer")).scalar_one() == 2
        db.session.remove()


def test_restore_refuses_a_damaged_dump_before_touching_the_database(made, shop, make_app):
    app, _ = shop
    manifest = backup.read_manifest(made)
    rewrite(made, lambda name, data: data if name != manifest.dump_name else data[:-1] + bytes([data[-1] ^ 1]))
    with app.app_context():
        orders_before = order_ids()
    result = invoke(app, "restore", str(made), "--yes", "--allow-other-schema")
    assert result.exit_code == 1
    assert "does not match its checksum" in result.output
    with app.app_context():
        assert order_ids() == orders_before
        assert db.session.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() > 0
