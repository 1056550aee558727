"""Fixtures: an app per test on SQLite or PostgreSQL, with chosen plugins and companies.

Set ORDO_TEST_DATABASE_URL to run on PostgreSQL (``scripts/test.sh`` does,
for its second pass). The schema is created once per run; every test starts
from empty tables, so no test depends on another's data.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.app import create_app
from core.extensions import db
from core.models.audit import APPEND_ONLY_TRIGGERS, DROP_APPEND_ONLY_TRIGGERS
from tests import factories


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("ORDO_TEST_DATABASE_URL")
    if url:
        return url
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


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            # audit_entry refuses DELETE and TRUNCATE (core.models.audit): the triggers are
            # set aside for the cleanup, as an owner of the schema would, and put back.
            if connection.dialect.name == "postgresql":
                quoted = ", ".join(f'"{name}"' for name in tables)
                connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
                connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
                connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
            else:
                for statement in DROP_APPEND_ONLY_TRIGGERS["sqlite"]:
                    connection.execute(text(statement))
                for name in tables:
                    connection.execute(text(f'DELETE FROM "{name}"'))
                for statement in APPEND_ONLY_TRIGGERS["sqlite"]:
                    connection.execute(text(statement))
        db.engine.dispose()


def settings_url(url: str) -> str:
    from core.config import normalise_database_url

    return normalise_database_url(url)


def _builder(database_url: str, instance_path: Path):
    """A function that builds apps on the test database, and one that empties the tables they used."""
    built = []

    def build(config: dict | None = None, **kwargs):
        settings = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "ordo.test",
            # Tests read English unless they ask for Chinese (Accept-Language or the user's choice).
            "BABEL_DEFAULT_LOCALE": "en",
            "ORDO_PDF_FONT_FAMILY": "Noto Sans CJK SC",
            # Tests create many users; a cheap hash keeps them fast (production uses scrypt).
            "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
        settings.update(config or {})
        app = create_app(settings, instance_path=instance_path, **kwargs)
        built.append(app)
        return app

    def clean_up() -> None:
        for app in built:
            if app.config["SQLALCHEMY_DATABASE_URI"] == settings_url(database_url):
                _empty_tables(app)
            else:  # an app on a database of its own (migration tests) is the test's to clean
                with app.app_context():
                    db.engine.dispose()

    return build, clean_up


@pytest.fixture
def make_app(database_url: str, instance_path: Path, _schema: None):
    """Build an app; pass ``plugins=[...]`` manifests to replace entry-point discovery."""
    build, clean_up = _builder(database_url, instance_path)
    yield build
    clean_up()


@pytest.fixture(scope="module")
def app_builders(database_url: str, instance_path: Path, _schema: None):
    """For data that several tests of a module read and none changes (the demo), built once.

    ``build, clean_up = app_builders()`` gives what ``make_app`` uses; the
    caller (a module-scoped fixture) calls ``clean_up()`` when its tests are done.
    """
    return lambda: _builder(database_url, instance_path)


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
