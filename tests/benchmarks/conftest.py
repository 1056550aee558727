"""The benchmarks' tests: each benchmark that empties its database gets one of its own."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@pytest.fixture(scope="module")
def own_database_url(database_url, tmp_path_factory) -> Iterator[str]:
    """A database of the module's own (the benchmarks drop every table): a file on SQLite, a fresh database
    on PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('flows') / 'flows.sqlite'}"
        return
    name = f"ordo_flowdata_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()
