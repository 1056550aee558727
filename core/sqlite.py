"""SQLite connections fit for several workers: WAL, NORMAL sync, a busy timeout, enforced foreign keys.

WAL lets readers go on while one connection writes; ``synchronous=NORMAL`` is safe
with WAL (a power cut may lose the last commits, never the database); the busy
timeout makes a writer wait for another's lock instead of failing at once. What still
meets a lock after the timeout answers 503 (see ``core.app.configure_errors``).
"""
from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask
from sqlalchemy import event

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
