#!/usr/bin/env python3
"""Peak memory of an import of the largest order file the limits allow, against a one-row file, in subprocesses.

Each measurement runs in a fresh subprocess: it creates a throwaway SQLite database
(or --db-uri), hands the file in as the API does (``import_jobs.start``, which reads
it once to check it) and runs the worker's job on it (``import_jobs.run_queued``,
which reads it again and imports it), then prints its peak RSS
(``resource.getrusage``'s ``ru_maxrss``). The largest files: a CSV of
``MAX_ROWS`` rows padded to the upload limit ``MAX_BYTES``, and an .xlsx of
``MAX_ROWS`` rows whose sheet XML unpacks to just under ``MAX_UNCOMPRESSED_BYTES``.
The reference is the same process importing a one-row file of the same kind.

    .venv/bin/python benchmarks/import_memory.py            # goal (issue 15): the largest under 300 MB
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["order_ref", "customer_code", "product_code", "quantity", "unit_price", "requested_date", "notes"]


def rows_of(count: int, notes: int) -> list[list[str]]:
    """Orders of two lines; each note of ``notes`` Chinese characters at random, so the file compresses as a
    real one does (a note of one character repeated would make the .xlsx look like a zip bomb)."""
    when = (date.today() + timedelta(days=30)).isoformat()
    pick = random.Random(15)
    return [[f"B{n // 2:07d}", f"C00{1 + (n // 2) % 2}", f"P00{1 + n % 2}", str(1 + n % 5),
             "120.00" if n % 2 == 0 else "8.50", when,
             f"{n:08d}" + "".join(chr(0x4E00 + pick.randrange(64)) for _ in range(notes))] for n in range(count)]


def csv_file(count: int, notes: int) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows_of(count, notes)])
    return out.getvalue().encode("utf-8")


def xlsx_file(count: int, notes: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows_of(count, notes):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def largest(kind: str) -> bytes:
    """The largest file of the kind within the limits: MAX_ROWS rows, their notes as long as the limits let them."""
    from plugins.intake import import_limits, imports

    rows = import_limits.MAX_ROWS
    if kind == "csv":
        per_row = len(csv_file(1, 0)) - len(",".join(HEADER)) - 2
        notes = (imports.MAX_BYTES - 1024) // rows - per_row  # bytes to fill: 3 per character in UTF-8
        return csv_file(rows, max(0, notes // 3))
    # .xlsx: openpyxl stores each text inline in the sheet as a shared string; size it from a sample.
    sample = xlsx_unpacked(xlsx_file(1000, 0)) / 1000
    notes = int((import_limits.MAX_UNCOMPRESSED_BYTES * 0.97 / rows - sample) / 3)
    return xlsx_file(rows, max(0, notes))


def xlsx_unpacked(data: bytes) -> int:
    import zipfile

    return sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())


def child(path: str, db_uri: str | None) -> None:
    """Import one file through the API's hand-in and the worker's job; print what it cost as JSON."""
    from core.app import create_app
    from core.db import commit
    from core.extensions import db
    from core.models import utcnow
    from plugins.intake import import_jobs
    from plugins.intake.models import ImportStatus
    from tests import factories

    data = Path(path).read_bytes()
    kind = path.rsplit(".", 1)[1]
    workdir = tempfile.mkdtemp(prefix="ordo-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_uri or f"sqlite:///{workdir}/ordo.sqlite",
                      "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, instance_path=workdir)
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = factories.build_world(app, "BENCH")
        commit()
        started = time.perf_counter()
        job = import_jobs.start(world.company, world.users["sales"], f"bench.{kind}", data, "generic")
        commit()
        import_jobs.run_queued(world.company, utcnow())
        seconds = time.perf_counter() - started
        assert job.status == ImportStatus.DONE, job.failure
        rows = job.rows_total
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    unpacked = xlsx_unpacked(data) if kind == "xlsx" else len(data)
    print(json.dumps({"bytes": len(data), "unpacked": unpacked, "rows": rows, "seconds": seconds,
                      "peak_mb": peak_kb / 1024}))


def measured(kind: str, data: bytes, db_uri: str | None) -> dict:
    """Peak memory of a fresh process importing ``data``; the file is made here, not in the process measured."""
    path = Path(tempfile.mkdtemp(prefix="ordo-bench-")) / f"bench.{kind}"
    path.write_bytes(data)
    command = [sys.executable, __file__, "--child", str(path)] + (["--db-uri", db_uri] if db_uri else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-uri", default=None, help="default: a SQLite file in a temp dir per subprocess")
    parser.add_argument("--kind", choices=("csv", "xlsx"), action="append", help="default: both")
    parser.add_argument("--child", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db_uri)
        return
    for kind in args.kind or ["csv", "xlsx"]:
        one_row = csv_file(1, 0) if kind == "csv" else xlsx_file(1, 0)
        reference, big = measured(kind, one_row, args.db_uri), measured(kind, largest(kind), args.db_uri)
        print(f"{kind}: largest {big['bytes'] / 2**20:.1f} MB ({big['unpacked'] / 2**20:.1f} MB unpacked), "
              f"{big['rows']} rows, {big['seconds']:.1f} s: peak RSS {big['peak_mb']:.0f} MB; one-row file "
              f"{reference['peak_mb']:.0f} MB; ratio {big['peak_mb'] / reference['peak_mb']:.2f}, "
              f"difference {big['peak_mb'] - reference['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
