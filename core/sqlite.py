"""SQLite connections fit for several workers: WAL, NORMAL sync, a busy timeout, enforced foreign keys.

WAL lets readers go on while one connection writes; ``synchronous=NORMAL`` is safe
with WAL (a power cut may lose the last commits, never the database); the busy
timeout makes a writer wait for another's lock instead of failing at once. What still
meets a lock after the timeout answers 503 (see ``core.app.configure_errors``).

``rarely`` tells SQLite's planner that a condition seldom holds, where its statistics
(averages, without histograms) make a rare value look common.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from core.extensions import db


def init_app(app: Flask) -> None:
    """Set the pragmas on every new connection of the app's SQLite engines; other databases are left alone."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect",
                         partial(_set_pragmas, busy_timeout_ms=int(app.config["ORDO_SQLITE_BUSY_TIMEOUT_MS"])))


def _set_pragmas(dbapi_connection: Any, connection_record: Any, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


class rarely(FunctionElement[bool]):  # noqa: N801 - used as a SQL function, lower case like func's
    """``condition``, which the caller knows to be true of few rows: SQLite's ``likelihood(condition, 0.001)``,
    the condition itself elsewhere (``unlikely``'s 1 in 16 is not enough once the page's limit is a parameter). SQLite's planner, knowing only the average number of rows per value, takes a
    rare value of an indexed column for as common as any, and may walk a whole table in the order asked
    rather than read the few rows the index finds and sort them (the audit log's escalations: 0 entries of
    1.26 million, walked by id). PostgreSQL's statistics know which values are rare."""

    name = "rarely"
    inherit_cache = True

    def __init__(self, condition: ColumnElement[bool]) -> None:
        super().__init__(condition)


@compiles(rarely)
def _rarely(element: rarely, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(rarely, "sqlite")
def _rarely_on_sqlite(element: rarely, compiler: SQLCompiler, **kw: Any) -> str:
    return f"likelihood({compiler.process(element.clauses, **kw)}, 0.001)"
