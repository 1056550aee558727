"""Backups: one file with a consistent dump of the database and a manifest saying what is in it.

A backup is a zip file holding two members:

- the dump: ``database.sqlite``, a copy made with SQLite's online backup API
  (consistent while the app writes: the copy is one read transaction, which in
  WAL mode blocks no writer), or ``database.pgdump``, ``pg_dump --format=custom``;
- ``manifest.json``: the Ordo version, the kind of database, when (UTC), the
  schema heads (the rows of ``alembic_version``), the rows of every table and
  the SHA-256 of the dump.

The row counts are those of the dump itself, even while orders are being
written: on SQLite they are counted in the copy; on PostgreSQL in a
REPEATABLE READ transaction whose snapshot is exported and handed to
``pg_dump --snapshot``, so the counts and the dump see the same committed rows.
The zip's CRC-32 covers the manifest against corruption; :func:`verify_backup`
recomputes the dump's checksum and restores the dump into a scratch database
(a temporary file, or ``ordo_verify_<random>`` on the PostgreSQL server) to
count its rows again. A checksum is no signature: keep backups where only the
operators can write, and sign or encrypt the off-machine copies.

``pg_dump`` and ``pg_restore`` are found on PATH or named by ``ORDO_PG_DUMP``
and ``ORDO_PG_RESTORE``; they must be at least as new as the server.
``ORDO_BACKUP_SCRATCH_URL`` names the PostgreSQL server on which ``verify``
creates its scratch database (the configured one by default; the role needs
CREATEDB).

The messages here are for operators at the command line, in English like the
rest of ``ordo``'s output.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from core.config import normalise_database_url
from core.extensions import db
from core.models import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
# The sub-folder of the instance folder that holds the backups unless told otherwise.
BACKUPS = "backups"
PG_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class BackupError(Exception):
    """A backup cannot be made, read, verified or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, as ``manifest.json`` says it."""

    database: str
    created_at: datetime
    ordo_version: str
    schema_heads: tuple[str, ...]
    tables: Mapping[str, int]
    dump_sha256: str
    dump_size: int
    server_version: str | None = None
    dump_tool: str | None = None
    format: int = FORMAT

    @property
    def dump_name(self) -> str:
        return DUMPS[self.database]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "ordo_version": self.ordo_version,
            "database": self.database,
            "server_version": self.server_version,
            "dump_tool": self.dump_tool,
            "created_at": self.created_at.isoformat(),
            "schema_heads": list(self.schema_heads),
            "tables": dict(sorted(self.tables.items())),
            "dump": {"name": self.dump_name, "sha256": self.dump_sha256, "size": self.dump_size},
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        try:
            if data["format"] != FORMAT:
                raise BackupError(f"the backup's format {data['format']!r} is not {FORMAT}, the one this Ordo reads")
            database = data["database"]
            if database not in DUMPS or data["dump"]["name"] != DUMPS[database]:
                raise BackupError(f"the manifest names an unknown database {database!r}")
            created_at = datetime.fromisoformat(data["created_at"])
            tables = {str(name): count for name, count in data["tables"].items()}
            heads = tuple(data["schema_heads"])
            if created_at.tzinfo is None or not all(isinstance(head, str) for head in heads) or not all(
                    type(count) is int and count >= 0 for count in tables.values()):
                raise ValueError("a naive date, or a count or head of the wrong type")
            return cls(database=database, created_at=created_at, ordo_version=str(data["ordo_version"]),
                       schema_heads=heads, tables=tables, dump_sha256=str(data["dump"]["sha256"]),
                       dump_size=int(data["dump"]["size"]), server_version=data.get("server_version"),
                       dump_tool=data.get("dump_tool"))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise BackupError(f"the backup's manifest is not valid ({error})") from error


@dataclass(frozen=True)
class TableCheck:
    """A table's rows as the manifest says and as the restored dump holds (``None``: no such table)."""

    name: str
    expected: int | None
    found: int | None

    @property
    def ok(self) -> bool:
        return self.expected == self.found


@dataclass(frozen=True)
class Verification:
    """What restoring a backup found, table by table, against its manifest."""

    manifest: Manifest
    checksum_ok: bool
    tables: list[TableCheck] = field(default_factory=list)
    schema_heads: tuple[str, ...] | None = None

    @property
    def ok(self) -> bool:
        return self.checksum_ok and self.heads_ok and all(check.ok for check in self.tables)

    @property
    def heads_ok(self) -> bool:
        return self.schema_heads is not None and sorted(self.schema_heads) == sorted(self.manifest.schema_heads)

    @property
    def rows(self) -> int:
        return sum(check.found or 0 for check in self.tables)


# --- create -------------------------------------------------------------------


def default_path(now: datetime) -> Path:
    """Where ``create`` writes unless told: the instance folder's ``backups/``, named by the UTC time."""
    return Path(current_app.instance_path) / BACKUPS / f"ordo-{now:%Y%m%dT%H%M%SZ}.zip"


def create_backup(output: Path | None = None) -> tuple[Path, Manifest]:
    """Back the configured database up into one new file (never overwriting one) and return it with its manifest."""
    now = utcnow()
    target = Path(output) if output is not None else default_path(now)
    if target.exists():
        raise BackupError(f"{target} exists already; name another file")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = db.engine.url
    kind = database_kind(url)
    with tempfile.TemporaryDirectory(prefix=".ordo-backup-", dir=target.parent) as work:
        dump = Path(work) / DUMPS[kind]
        if kind == "sqlite":
            manifest = _dump_sqlite(url, dump, now)
        else:
            manifest = _dump_postgresql(url, dump, now)
        partial = Path(work) / "backup.zip"
        _write_container(partial, manifest, dump)
        _publish(partial, target)
    return target, manifest


def _dump_sqlite(url: URL, dump: Path, now: datetime) -> Manifest:
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"the SQLite database {source_path} does not exist")
    source = sqlite3.connect(source_path, timeout=_busy_timeout())
    try:
        target = sqlite3.connect(dump)
        try:
            # One step (pages=-1): the whole copy is one read transaction of the source.
            source.backup(target)
            # A self-contained file: no -wal beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()
    with _sqlite_engine(dump) as connection:
        tables, heads = row_counts(connection), schema_heads(connection)
    return Manifest(database="sqlite", created_at=now, ordo_version=ordo_version(), schema_heads=heads,
                    tables=tables, dump_sha256=sha256_of(dump), dump_size=dump.stat().st_size,
                    server_version=sqlite3.sqlite_version)


def _dump_postgresql(url: URL, dump: Path, now: datetime) -> Manifest:
    pg_dump = tool("ORDO_PG_DUMP", "pg_dump")
    tool_version, tool_major = tool_version_of(pg_dump)
    conninfo, env = libpq(url)
    connection = db.engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    try:
        with connection.begin():
            # The first statement takes the transaction's snapshot; pg_dump gets the very same one.
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            server_version = str(connection.execute(text("SHOW server_version")).scalar_one())
            server_major = int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
            if tool_major < server_major:
                raise BackupError(f"{pg_dump} is version {tool_major}, older than the server ({server_version}); "
                                  f"install postgresql-client-{server_major} or set ORDO_PG_DUMP")
            tables, heads = row_counts(connection), schema_heads(connection)
            run_tool([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
                      f"--dbname={conninfo}"], env)
    finally:
        connection.close()
    return Manifest(database="postgresql", created_at=now, ordo_version=ordo_version(), schema_heads=heads,
                    tables=tables, dump_sha256=sha256_of(dump), dump_size=dump.stat().st_size,
                    server_version=server_version, dump_tool=tool_version)


def _write_container(path: Path, manifest: Manifest, dump: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        with zipfile.ZipFile(handle, "w") as container:
            # pg_dump's custom format is compressed already; an SQLite file is not.
            compression = zipfile.ZIP_DEFLATED if manifest.database == "sqlite" else zipfile.ZIP_STORED
            container.write(dump, manifest.dump_name, compress_type=compression)
            container.writestr(MANIFEST, json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n",
                               compress_type=zipfile.ZIP_DEFLATED)
        handle.flush()
        os.fsync(handle.fileno())


def _publish(partial: Path, target: Path) -> None:
    """Give the finished file its name, never replacing another, and make the name durable."""
    try:
        os.link(partial, target)
    except FileExistsError as error:
        raise BackupError(f"{target} exists already; name another file") from error
    except OSError:  # a file system without hard links
        if target.exists():
            raise BackupError(f"{target} exists already; name another file") from None
        os.replace(partial, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# --- read and verify ----------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at ``path``."""
    with _open(path) as container:
        try:
            data = json.loads(container.read(MANIFEST))
        except KeyError as error:
            raise BackupError(f"{path} holds no {MANIFEST}: it is not an Ordo backup") from error
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
            raise BackupError(f"the manifest of {path} is damaged ({error})") from error
        manifest = Manifest.from_json(data)
        if manifest.dump_name not in container.namelist():
            raise BackupError(f"{path} holds no {manifest.dump_name}")
    return manifest


def verify_backup(path: Path) -> Verification:
    """Check the dump's checksum, restore it into a scratch database and compare its tables with the manifest."""
    manifest = read_manifest(path)
    with _extracted(path, manifest) as (dump, checksum_ok):
        if not checksum_ok:
            return Verification(manifest, checksum_ok=False)
        if manifest.database == "sqlite":
            with tempfile.TemporaryDirectory(prefix="ordo-verify-") as scratch:
                copy = Path(scratch) / "verify.sqlite"
                _sqlite_restore(dump, copy)
                with _sqlite_engine(copy) as connection:
                    _integrity_check(connection)
                    return _compare(manifest, connection)
        with _scratch_database() as scratch_url:
            _pg_restore(manifest, dump, scratch_url, ["--no-owner", "--no-privileges"])
            engine = create_engine(scratch_url)
            try:
                with engine.connect() as connection:
                    return _compare(manifest, connection)
            finally:
                engine.dispose()


def _compare(manifest: Manifest, connection: Connection) -> Verification:
    found = row_counts(connection)
    checks = [TableCheck(name, manifest.tables.get(name), found.get(name))
              for name in sorted(set(manifest.tables) | set(found))]
    return Verification(manifest, checksum_ok=True, tables=checks, schema_heads=schema_heads(connection))


@contextmanager
def _scratch_database() -> Iterator[URL]:
    """A new, empty PostgreSQL database ``ordo_verify_<random>``, dropped afterwards."""
    setting = current_app.config.get("ORDO_BACKUP_SCRATCH_URL")
    server = make_url(normalise_database_url(setting)) if setting else db.engine.url
    if database_kind(server) != "postgresql":
        raise BackupError("verifying a PostgreSQL backup needs a PostgreSQL server: set ORDO_BACKUP_SCRATCH_URL")
    name = f"ordo_verify_{secrets.token_hex(6)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
        try:
            yield server.set(database=name)
        finally:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


# --- restore ------------------------------------------------------------------


def restore_backup(path: Path, *, allow_other_schema: bool = False) -> Verification:
    """Replace the configured database with the backup's, then count its tables against the manifest.

    Refuses a backup of another kind of database, a damaged dump, and (unless
    ``allow_other_schema``) a backup whose schema heads are not this code's.
    Stop the app and the workers first: their writes would be lost or block the restore.
    """
    manifest = read_manifest(path)
    url = db.engine.url
    kind = database_kind(url)
    if manifest.database != kind:
        raise BackupError(f"the backup is of a {manifest.database} database; the configured one is {kind}")
    heads = code_heads()
    if sorted(manifest.schema_heads) != sorted(heads) and not allow_other_schema:
        raise BackupError(
            f"the backup's schema ({', '.join(sorted(manifest.schema_heads)) or 'no alembic_version'}) is not this "
            f"code's ({', '.join(sorted(heads))}); restore it with --allow-other-schema, then run 'ordo db upgrade' "
            f"(or restore it with the Ordo version that made it)")
    with _extracted(path, manifest) as (dump, checksum_ok):
        if not checksum_ok:
            raise BackupError(f"the dump in {path} does not match its checksum: the file is damaged")
        db.session.remove()
        db.engine.dispose()  # none of this process's connections holds a lock on what is replaced
        if kind == "sqlite":
            _sqlite_restore(dump, sqlite_path(url))
        else:
            _pg_restore(manifest, dump, url, ["--clean", "--if-exists", "--no-owner"])
    with db.engine.connect() as connection:
        return _compare(manifest, connection)


def _sqlite_restore(dump: Path, target: Path) -> None:
    """Copy ``dump`` into ``target`` with the backup API: one write transaction, all or nothing."""
    source = sqlite3.connect(dump)
    try:
        destination = sqlite3.connect(target, timeout=_busy_timeout())
        try:
            source.backup(destination)
        finally:
            destination.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the SQLite dump cannot be restored: {error}") from error
    finally:
        source.close()


def _pg_restore(manifest: Manifest, dump: Path, url: URL, options: Sequence[str]) -> None:
    pg_restore = tool("ORDO_PG_RESTORE", "pg_restore")
    _, restore_major = tool_version_of(pg_restore)
    made_by = PG_VERSION.search(manifest.dump_tool or "")
    if made_by and restore_major < int(made_by.group(1)):
        raise BackupError(f"{pg_restore} is version {restore_major}; the dump was made by {manifest.dump_tool}: "
                          f"install a pg_restore at least as new or set ORDO_PG_RESTORE")
    conninfo, env = libpq(url)
    # One transaction: a restore that fails half way leaves the database as it was.
    run_tool([pg_restore, *options, "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(dump)],
             env)


# --- the schema's heads and the tables' rows -----------------------------------


def code_heads() -> tuple[str, ...]:
    """The newest revision of every migration branch of this code (the core's and each plugin's)."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def schema_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions ``alembic_version`` records; none when the schema was not made by migrations."""
    if not inspect(connection).has_table("alembic_version"):
        return ()
    return tuple(sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()))


def row_counts(connection: Connection) -> dict[str, int]:
    """The rows of every table in the database, by name (``schema.table`` outside PostgreSQL's ``public``)."""
    quote = connection.dialect.identifier_preparer.quote
    if connection.dialect.name == "postgresql":
        names = connection.execute(text(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
        )).all()
        tables = {(name if schema == "public" else f"{schema}.{name}"): f"{quote(schema)}.{quote(name)}"
                  for schema, name in names}
    else:
        tables = {name: quote(name) for name in inspect(connection).get_table_names()}
    return {name: int(connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one())
            for name, quoted in sorted(tables.items())}


def _integrity_check(connection: Connection) -> None:
    result = connection.execute(text("PRAGMA integrity_check")).scalars().all()
    if result != ["ok"]:
        raise BackupError(f"the SQLite dump fails its integrity check: {'; '.join(result[:5])}")


# --- helpers ------------------------------------------------------------------


def database_kind(url: URL) -> str:
    kind = url.get_backend_name()
    if kind not in DUMPS:
        raise BackupError(f"backups cover SQLite and PostgreSQL, not {kind}")
    return kind


def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("the SQLite database is not a plain file; nothing to back up or restore")
    return Path(url.database)


def ordo_version() -> str:
    try:
        return metadata.version("ordo")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "not installed"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tool(setting: str, name: str) -> str:
    """The program a setting names, or ``name`` on PATH."""
    configured = current_app.config.get(setting)
    found = shutil.which(configured or name)
    if found is None:
        raise BackupError(f"{configured or name} not found: install postgresql-client (Debian) "
                          f"or name the program in {setting}")
    return found


def tool_version_of(program: str) -> tuple[str, int]:
    """The version line of ``pg_dump`` or ``pg_restore``, and its major version."""
    result = subprocess.run([program, "--version"], capture_output=True, text=True, check=False)
    match = PG_VERSION.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise BackupError(f"{program} --version did not say its PostgreSQL version: {result.stdout.strip()}")
    return result.stdout.strip(), int(match.group(1))


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A connection URI for libpq's programs, and their environment with the password (never on the command line)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def run_tool(arguments: Sequence[str], env: Mapping[str, str]) -> None:
    try:
        result = subprocess.run(list(arguments), env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, check=False)
    except OSError as error:
        raise BackupError(f"{arguments[0]} could not be run: {error}") from error
    if result.returncode != 0:
        raise BackupError(f"{Path(arguments[0]).name} failed (exit status {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")


def _busy_timeout() -> float:
    return int(current_app.config["ORDO_SQLITE_BUSY_TIMEOUT_MS"]) / 1000


@contextmanager
def _sqlite_engine(path: Path) -> Iterator[Connection]:
    engine = create_engine(URL.create("sqlite", database=str(path)))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError as error:
        raise BackupError(f"{path} does not exist") from error
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"{path} is not an Ordo backup ({error})") from error


@contextmanager
def _extracted(path: Path, manifest: Manifest) -> Iterator[tuple[Path, bool]]:
    """The backup's dump as a temporary file, and whether it matches the manifest's size and checksum.

    A member whose bytes fail the zip's own CRC-32, or no longer inflate, counts as not matching.
    """
    with tempfile.TemporaryDirectory(prefix="ordo-restore-") as work:
        dump = Path(work) / manifest.dump_name
        digest = hashlib.sha256()
        with _open(path) as container, open(dump, "wb") as out:
            try:
                with container.open(manifest.dump_name) as member:
                    while chunk := member.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                intact = True
            except (zipfile.BadZipFile, zlib.error, EOFError):  # changed after the zip was written
                intact = False
        matches = intact and digest.hexdigest() == manifest.dump_sha256 and dump.stat().st_size == manifest.dump_size
        yield dump, matches
