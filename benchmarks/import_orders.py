#!/usr/bin/env python3
"""Order import throughput: ``plugins.intake.imports`` against a plain SQLAlchemy Core bulk insert, in one run.

Generates a generic order file of N rows (two lines per order), imports it into a
throwaway SQLite file (or --db-uri) through the intake import (parsing, the entry's
checks and values, drafts, lines and audit entries in bulk, chunked transactions),
then inserts the same orders and lines again with one Core ``executemany`` each, and
prints rows per second of both and the ratio. ``--profile FILE`` writes a cProfile of
the import alone.

    .venv/bin/python benchmarks/import_orders.py --rows 100000
"""
from __future__ import annotations

import argparse
import cProfile
import csv
import io
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Results  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db-uri", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--profile", default=None, help="write a cProfile of the import to this file")
    return parser.parse_args()


def generated_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order_ref", "customer_code", "product_code", "quantity", "unit_price", "requested_date",
                     "contact", "phone", "address", "notes"])
    when = (date.today() + timedelta(days=30)).isoformat()
    for n in range(rows):
        writer.writerow([f"B{n // 2:07d}", f"C00{1 + (n // 2) % 2}", f"P00{1 + n % 2}", str(1 + n % 5),
                         "120.00" if n % 2 == 0 else "8.50", when, "王经理", "13800000000",
                         "上海市浦东新区张江路 88 号", f"第 {n // 2} 单"])
    return out.getvalue().encode("utf-8")


def main() -> None:
    from sqlalchemy import select

    from core.app import create_app
    from core.db import commit
    from core.extensions import db
    from core.models import Order, OrderLine
    from core import tabular_limits
    from plugins.intake import imports, mappings
    from tests import factories

    args = parse_args()
    # Throughput, not the limits: the file may have more rows than an upload may (import_memory.py measures those).
    tabular_limits.MAX_ROWS = max(tabular_limits.MAX_ROWS, args.rows)
    workdir = tempfile.mkdtemp(prefix="ordo-bench-")
    uri = args.db_uri or f"sqlite:///{workdir}/ordo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=workdir)
    data = generated_file(args.rows)
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = factories.build_world(app, "BENCH")
        commit()
        clerk = world.users["sales"]
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        result = imports.import_orders(world.company, "bench.csv", data, mappings.BUILT_IN["generic"], clerk)
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        ordo_seconds = time.perf_counter() - started
        assert not result.errors, result.errors[:3]

        # The same orders and lines, as the import stored them, inserted again by plain Core.
        order_table, line_table = Order.__table__, OrderLine.__table__
        orders = [dict(row._mapping) for row in db.session.execute(select(order_table).order_by(order_table.c.id))]
        lines = [dict(row._mapping) for row in db.session.execute(select(line_table).order_by(line_table.c.id))]
        db.session.rollback()
        for row in lines:
            row.pop("id")
        core_seconds = core_insert(orders, lines, "core", paired=True)
        # As measured before issue 8's import work: RETURNING sorted by parameter, which SQLite can only do one
        # row per statement; printed to compare with the earlier figures, not the reference.
        sorted_seconds = core_insert(orders, lines, "sorted", paired=False)

    ordo_rate, core_rate, sorted_rate = (args.rows / seconds for seconds in (ordo_seconds, core_seconds,
                                                                             sorted_seconds))
    print(f"rows: {args.rows}, orders: {len(result.created)}, database: {uri.split(':', 1)[0]}")
    print(f"ordo import:      {ordo_seconds:8.2f} s  {ordo_rate:10.0f} rows/s")
    print(f"core bulk insert: {core_seconds:8.2f} s  {core_rate:10.0f} rows/s")
    print(f"ratio (ordo / core): {ordo_rate / core_rate:.3f}")
    print(f"(core with RETURNING sorted by parameter: {sorted_seconds:.2f} s, {sorted_rate:.0f} rows/s, "
          f"ratio {ordo_rate / sorted_rate:.3f})")
    figures = Results("import_orders", database=uri.split(":", 1)[0], rows=args.rows)
    figures.figure("rows_per_s", round(ordo_rate), side="ordo")
    figures.figure("rows_per_s", round(core_rate), side="core bulk insert")
    figures.figure("ratio", round(ordo_rate / core_rate, 3), of="ordo / core bulk insert, rows/s")


def core_insert(orders: list[dict], lines: list[dict], prefix: str, *, paired: bool) -> float:
    """Seconds to insert the orders (under new source references) and their lines with one Core executemany each.

    ``paired``: the new ids are paired with the rows by their (unique) source reference, so every database
    inserts many rows per statement; otherwise RETURNING is sorted by parameter.
    """
    from sqlalchemy import insert

    from core.extensions import db
    from core.models import Order, OrderLine

    order_table, line_table = Order.__table__, OrderLine.__table__
    rows = [{**{key: value for key, value in row.items() if key != "id"},
             "source_reference": f"{prefix}:{row['source_reference']}"} for row in orders]
    started = time.perf_counter()
    with db.engine.begin() as connection:
        if paired:
            returned = dict(connection.execute(
                insert(order_table).returning(order_table.c.source_reference, order_table.c.id), rows).all())
            new_ids = [returned[row["source_reference"]] for row in rows]
        else:
            new_ids = connection.execute(insert(order_table).returning(order_table.c.id, sort_by_parameter_order=True),
                                         rows).scalars().all()
        mapped = {row["id"]: new for row, new in zip(orders, new_ids, strict=True)}
        connection.execute(insert(line_table), [{**row, "order_id": mapped[row["order_id"]]} for row in lines])
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
