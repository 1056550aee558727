"""Fixtures: an app per test on SQLite or PostgreSQL, with chosen plugins and companies.

Set ORDO_TEST_DATABASE_URL to run on PostgreSQL (``scripts/test.sh`` does,
for its second pass). The schema is created once per run; every test starts
from empty tables, so no test depends on another's data.

The suite runs on both cores with pytest-xdist (``scripts/test.sh`` passes
``-n``): each worker has a database of its own, a file in its own temporary
folder on SQLite and ``<database>_<worker>`` on PostgreSQL, made on first use
with ``synchronous_commit`` off (a test's commit need not wait for the disk;
a crash loses only a test run). Emptying the tables after a test deletes from
the tables the test wrote to, found in one query, rather than truncating all
of them: on PostgreSQL a ``TRUNCATE`` of every table cost about a second a test.
"""
from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import QueuePool

from core.app import create_app
from core.config import normalise_database_url
from core.extensions import db
from core.models.audit import APPEND_ONLY_TRIGGERS, DROP_APPEND_ONLY_TRIGGERS
from tests import factories


def _worker_database(url: str, worker: str) -> str:
    """``url``'s PostgreSQL server, database ``<name>_<worker>``: made if missing, commits not waiting on the disk."""
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    server = create_engine(parsed.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": name}).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ORDO_TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'ordo-test.sqlite'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def _schema(database_url: str, instance_path: Path) -> Iterator[None]:
    """Create every table of every bundled plugin once for the run."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True}, instance_path=instance_path)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


RESTART_SEQUENCES = """
SELECT setval(sequence, 1, false) FROM (
    SELECT pg_get_serial_sequence(format('%I', c.relname), a.attname) AS sequence
    FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid
    WHERE c.relname = ANY(:tables) AND c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
      AND a.attnum > 0 AND NOT a.attisdropped
) AS owned WHERE sequence IS NOT NULL
"""


def _written(connection: Connection, tables: list[str]) -> list[str]:
    """Which of ``tables`` hold a row, in their order: one query however many there are."""
    probes = " UNION ALL ".join(f"SELECT '{name}' FROM (SELECT 1 FROM \"{name}\" LIMIT 1) AS t{number}"
                                for number, name in enumerate(tables))
    found = set(connection.execute(text(probes)).scalars())
    return [name for name in tables if name in found]


def _dispose(app: Flask) -> None:
    """Dispose of ``app``'s engine, once the test has given back every connection it took.

    A connection still out (a thread, a server's request or a session that outlived the test) would go back,
    later, to the pool disposed of here, which nobody closes: the garbage collector would close it whenever it
    runs, and PostgreSQL's driver would warn on whichever test was running then. Here the test that kept it
    is the one that fails, by name."""
    with app.app_context():
        pool = db.engine.pool
        kept = pool.checkedout() if isinstance(pool, QueuePool) else 0
        db.engine.dispose()
    assert kept == 0, f"{kept} database connection(s) still taken when the test ended"


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]  # children before their parents
        with db.engine.begin() as connection:
            written = _written(connection, tables)
            postgresql = connection.dialect.name == "postgresql"
            # audit_entry refuses DELETE (core.models.audit): its triggers are set aside for the
            # cleanup, as an owner of the schema would, and put back.
            if "audit_entry" in written:
                if postgresql:
                    connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
                else:
                    for statement in DROP_APPEND_ONLY_TRIGGERS["sqlite"]:
                        connection.execute(text(statement))
            for name in written:
                connection.execute(text(f'DELETE FROM "{name}"'))
            if "audit_entry" in written:
                if postgresql:
                    connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
                else:
                    for statement in APPEND_ONLY_TRIGGERS["sqlite"]:
                        connection.execute(text(statement))
            if postgresql and written:
                # Ids start again at 1, as they do on SQLite once a table is empty.
                connection.execute(text(RESTART_SEQUENCES), {"tables": written})
    _dispose(app)


def settings_url(url: str) -> str:
    return normalise_database_url(url)


class AppPool:
    """Apps built for a test, kept for the next test that asks for the same configuration.

    Building an app costs about a quarter of a second (its routes and the OpenAPI
    document); most tests ask for one of a handful of configurations. An app goes
    back to the pool after its test, with the tables emptied and its settings as
    they were built, and is handed to one test at a time: a test that builds two
    apps alike (two instances of the portal) gets two. Only apps on the test
    database are kept; an app on a database of its own is the test's.
    """

    def __init__(self, database_url: str, instance_path: Path) -> None:
        self.database_url = database_url
        self.instance_path = instance_path
        self.free: dict[str, list[tuple[Flask, dict]]] = {}

    def take(self, config: dict, kwargs: dict) -> tuple[str | None, Flask, dict]:
        key = self._key(config, kwargs)
        if key is not None and self.free.get(key):
            app, settings = self.free[key].pop()
            return key, app, settings
        app = create_app(config, instance_path=self.instance_path, **kwargs)
        return key, app, dict(app.config)

    def give_back(self, key: str | None, app: Flask, settings: dict) -> None:
        if key is None:
            return
        app.config.clear()
        app.config.update(settings)
        self.free.setdefault(key, []).append((app, settings))

    def _key(self, config: dict, kwargs: dict) -> str | None:
        if config["SQLALCHEMY_DATABASE_URI"] != self.database_url:
            return None
        plugins = kwargs.get("plugins")
        # Discovery finds what is importable now: a test that puts a plugin on sys.path gets an app of its own.
        named = (tuple(sys.path) if plugins is None
                 else tuple((manifest.name, id(manifest)) for manifest in plugins))
        others = sorted((name, value) for name, value in kwargs.items() if name != "plugins")
        return repr((sorted(config.items()), named, others))


@pytest.fixture(scope="session")
def app_pool(database_url: str, instance_path: Path, _schema: None) -> AppPool:
    return AppPool(database_url, instance_path)


def _builder(pool: AppPool):
    """A function that builds apps on the test database, and one that empties the tables they used."""
    built: list[tuple[str | None, Flask, dict]] = []

    def build(config: dict | None = None, **kwargs):
        settings = {
            "SQLALCHEMY_DATABASE_URI": pool.database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "ordo.test",
            # Tests read English unless they ask for Chinese (Accept-Language or the user's choice).
            "BABEL_DEFAULT_LOCALE": "en",
            "ORDO_PDF_FONT_FAMILY": "Noto Sans CJK SC",
            # Tests create many users; a cheap hash keeps them fast (production uses scrypt).
            "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # The menu's count is counted on every page, so that a test's statement counts do not depend on
            # what an earlier request kept (tests/core/test_inbox.py tests keeping it).
            "ORDO_INBOX_BADGE_SECONDS": 0,
        }
        settings.update(config or {})
        taken = pool.take(settings, kwargs)
        built.append(taken)
        return taken[1]

    def clean_up() -> None:
        emptied = False
        for key, app, settings in built:
            if app.config["SQLALCHEMY_DATABASE_URI"] == settings_url(pool.database_url):
                if not emptied:  # every app of the test shares the one database
                    _empty_tables(app)
                    emptied = True
            else:  # an app on a database of its own (migration tests) is the test's to clean
                _dispose(app)
            pool.give_back(key, app, settings)
        built.clear()

    return build, clean_up


@pytest.fixture
def make_app(app_pool: AppPool):
    """Build an app; pass ``plugins=[...]`` manifests to replace entry-point discovery."""
    build, clean_up = _builder(app_pool)
    yield build
    clean_up()


@pytest.fixture(scope="module")
def app_builders(app_pool: AppPool, tmp_path_factory: pytest.TempPathFactory):
    """For data that several tests of a module read and none changes (the demo), built once.

    ``build, clean_up = app_builders()`` gives what ``make_app`` uses, on a database of the
    module's own with the schema made; the caller (a module-scoped fixture) calls ``clean_up()``
    when its tests are done. Its own, because the workers steal each other's tests: between two
    of the module's tests a worker may run another module's, whose clean-up empties the shared
    test database under the module's data (the crawl then found no demo user to sign in).
    """
    def builders():
        url = _module_database(app_pool.database_url, tmp_path_factory)
        build, clean_up = _builder(app_pool)

        def build_own(config: dict | None = None, **kwargs):
            app = build({**(config or {}), "SQLALCHEMY_DATABASE_URI": url}, **kwargs)
            with app.app_context():
                db.create_all()
            return app

        def clean_up_own() -> None:
            clean_up()
            _drop_module_database(url)

        return build_own, clean_up_own

    return builders


def _module_database(url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A new empty database beside ``url``'s: a file on SQLite, ``<name>_m<hex>`` on PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('module-db') / 'ordo-module.sqlite'}"
    name = f"{parsed.database}_m{uuid.uuid4().hex[:8]}"
    server = create_engine(parsed.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _drop_module_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    server = create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                           isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        server.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app) -> factories.World:
    """A company (ACME) with one user per built-in role, two customers and two products."""
    return factories.build_world(app)
