"""The set-up the data benchmarks share: the app on a SQLite file kept between runs (or a given database), the
data generated once and reused by a later run of the same size (``--reuse``), or copied into PostgreSQL from
the SQLite file a first run made (``--copy-from``), then the planner's statistics brought up to date.

    app, url = bench_db.open_app("kpi", args.orders, args.database_url)
    with app.app_context():
        bench_db.prepare(url, counted=KpiOrder, size=args.orders, reuse=args.reuse, copy_from=args.copy_from,
                         generate=lambda: generate(app, args.orders, args.seed), what="orders' facts")
"""
from __future__ import annotations

import argparse
import enum
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every data benchmark takes: where the data lives and whether to make it again."""
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of each, alternating")
    parser.add_argument("--database-url", default=os.environ.get("ORDO_BENCH_DATABASE_URL"),
                        help="default: a SQLite file in a temp dir (or ORDO_BENCH_DATABASE_URL)")
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run of the same size")
    parser.add_argument("--copy-from", default=None, help="a SQLite file an earlier run generated: its rows are "
                        "copied to --database-url (PostgreSQL) instead of generated again, which is much faster")


def open_app(name: str, size: int, database_url: str | None) -> tuple[Any, str]:
    """The app on ``database_url``, or on ``<tmp>/ordo-bench-<name>/<name>-<size>.sqlite``; and its URL."""
    from core.app import create_app

    workdir = Path(tempfile.gettempdir()) / f"ordo-bench-{name}"
    workdir.mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{workdir}/{name}-{size}.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=str(workdir))
    return app, url


def reusable(counted: Any, size: int) -> bool:
    """Whether the database holds an earlier run's data of this size (``size`` rows of ``counted``); the tables
    added since are made (none is ever altered here)."""
    from sqlalchemy import func, select

    from core.extensions import db

    try:
        made = db.session.execute(select(func.count()).select_from(counted)).scalar_one() == size
        db.create_all()
        return bool(made)
    except Exception:  # noqa: BLE001 - no tables yet
        db.session.rollback()
        return False


def prepare(url: str, *, counted: Any, size: int, reuse: bool, copy_from: str | None,
            generate: Callable[[], None], what: str) -> None:
    """In the app's context: the data reused, copied or generated (timed), then analysed."""
    from sqlalchemy import text

    from core.extensions import db

    if not (reuse and reusable(counted, size)):
        started = time.perf_counter()
        if copy_from:
            copy_sqlite(copy_from)
            print(f"copied {copy_from} in {time.perf_counter() - started:.0f} s", flush=True)
        else:
            generate()
            print(f"generated {size:,} {what} in {time.perf_counter() - started:.0f} s ({url.split(':', 1)[0]})",
                  flush=True)
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # PostgreSQL: as autovacuum leaves a live table, its visibility map set (index-only scans).
        connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"))


def copy_sqlite(path: str) -> None:
    """Every table's rows from the SQLite file at ``path`` into this (PostgreSQL) database, by COPY, in the order
    of their foreign keys; then each id sequence moved past the copied ids. A column added since the file was
    made is left to its default (the file has none of it); a table added since, empty."""
    from psycopg.types.json import Jsonb
    from sqlalchemy import create_engine, select, text

    from core.extensions import db

    def plain(value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, (dict, list)):
            return Jsonb(value)
        return value

    db.drop_all()
    db.create_all()
    source = create_engine(f"sqlite:///{path}")
    with source.connect() as reading, db.engine.connect() as writing:
        cursor = writing.connection.driver_connection.cursor()
        for table in db.metadata.sorted_tables:
            held = {row[1] for row in reading.execute(text(f'PRAGMA table_info("{table.name}")'))}
            columns = [column for column in table.columns if column.name in held]
            if not columns:
                continue
            quoted = ", ".join(f'"{column.name}"' for column in columns)
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in reading.execution_options(yield_per=20_000).execute(select(*columns)):
                    copy.write_row([plain(value) for value in row])
            move_sequence(writing, table)
        writing.commit()


def move_sequence(connection: Any, table: Any) -> None:
    """PostgreSQL: the table's id sequence past the ids written with their values (nothing on SQLite)."""
    from sqlalchemy import text

    if connection.dialect.name == "postgresql" and "id" in table.columns and table.columns["id"].autoincrement:
        connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))
