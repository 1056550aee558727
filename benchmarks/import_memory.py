#!/usr/bin/env python3
"""Peak memory of an import of the largest order file the limits allow, against a one-row file, in subprocesses.

Each measurement runs in fresh subprocesses sharing a throwaway SQLite database (or
--db-uri), as the API and the worker run in production: one hands the file in as the
API does (``import_jobs.start``, which reads it once to check it, and stores it) and
prints its peak RSS (Linux's ``VmHWM``, see :func:`peak_mb`); then a new one runs the
worker's job on it (``import_jobs.run_queued``, which reads it again and imports it)
and prints its own. With ``--one-process`` a single process does both, holding the
request's copy of the file while the job runs (the measure of the first figures).
The largest files: a CSV of ``MAX_ROWS`` rows padded to the upload limit
``MAX_BYTES``, and an .xlsx of ``MAX_ROWS`` rows whose sheet XML unpacks to just under
``MAX_UNCOMPRESSED_BYTES``. The reference is the same processes importing a one-row
file of the same kind.

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

from benchmarks.results import Results  # noqa: E402

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
    from core import tabular, tabular_limits

    rows = tabular_limits.MAX_ROWS
    if kind == "csv":
        per_row = len(csv_file(1, 0)) - len(",".join(HEADER)) - 2
        notes = (tabular.MAX_BYTES - 1024) // rows - per_row  # bytes to fill: 3 per character in UTF-8
        return csv_file(rows, max(0, notes // 3))
    # .xlsx: openpyxl stores each text inline in the sheet as a shared string; size it from a sample.
    sample = xlsx_unpacked(xlsx_file(1000, 0)) / 1000
    notes = int((tabular_limits.MAX_UNCOMPRESSED_BYTES * 0.97 / rows - sample) / 3)
    return xlsx_file(rows, max(0, notes))


def xlsx_unpacked(data: bytes) -> int:
    import zipfile

    return sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())


def child(step: str, path: str, db_uri: str, workdir: str) -> None:
    """One step of the import in this process, as ``step`` says (``hand-in``, ``worker`` or ``both``); print
    what it cost as JSON."""
    from sqlalchemy import select

    from core.app import create_app
    from core.db import commit
    from core.extensions import db
    from core.models import Company, utcnow
    from plugins.intake import import_jobs
    from plugins.intake.models import ImportJob, ImportStatus
    from tests import factories

    kind = path.rsplit(".", 1)[1]
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_uri, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=workdir)
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        if step in ("hand-in", "both"):
            db.drop_all()
            db.create_all()
            world = factories.build_world(app, "BENCH")
            commit()
            started, cpu = time.perf_counter(), time.process_time()
            data = Path(path).read_bytes()  # the request's body
            import_jobs.start(world.company, world.users["sales"], f"bench.{kind}", data, "generic")
            commit()
        if step in ("worker", "both"):
            company = db.session.execute(select(Company).where(Company.code == "BENCH")).scalar_one()
            import_jobs.run_queued(company, utcnow())
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        job = db.session.execute(select(ImportJob).order_by(ImportJob.id.desc()).limit(1)).scalar_one()
        if step != "hand-in":
            assert job.status == ImportStatus.DONE, job.failure
        rows = job.rows_total
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb()}))


def peak_mb() -> float:
    """This process's peak resident memory: Linux's VmHWM, which starts afresh at ``exec``. ``ru_maxrss`` does not
    (Linux carries the forking parent's peak into it), so it would report the parent's memory whenever the parent,
    having built the largest file, holds more than the child ever does; it is the fallback elsewhere."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured(kind: str, data: bytes, db_uri: str | None, one_process: bool) -> dict[str, dict]:
    """Peak memory of fresh processes handing ``data`` in and importing it (or of one process doing both), by
    step; the file is made here, not in the processes measured."""
    with tempfile.TemporaryDirectory(prefix="ordo-bench-") as workdir:
        path = Path(workdir) / f"bench.{kind}"
        path.write_bytes(data)
        uri = db_uri or f"sqlite:///{workdir}/ordo.sqlite"
        found = {}
        for step in ["both"] if one_process else ["hand-in", "worker"]:
            command = [sys.executable, __file__, "--child", step, str(path), "--db-uri", uri, "--workdir", workdir]
            output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
            found[step] = json.loads(output.strip().splitlines()[-1])
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-uri", default=None, help="default: a SQLite file in a temp dir per file")
    parser.add_argument("--kind", choices=("csv", "xlsx"), action="append", help="default: both")
    parser.add_argument("--one-process", action="store_true", help="hand in and import in one process")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.db_uri, args.workdir)
        return
    for kind in args.kind or ["csv", "xlsx"]:
        one_row = csv_file(1, 0) if kind == "csv" else xlsx_file(1, 0)
        data = largest(kind)
        reference, big = (measured(kind, file, args.db_uri, args.one_process) for file in (one_row, data))
        unpacked = xlsx_unpacked(data) if kind == "xlsx" else len(data)
        print(f"{kind}: largest {len(data) / 2**20:.1f} MB ({unpacked / 2**20:.1f} MB unpacked), "
              f"{big[list(big)[-1]]['rows']} rows")
        for step in big:
            mine, one = big[step], reference[step]
            print(f"  {step}: {mine['seconds']:.1f} s ({mine['cpu']:.1f} s CPU): peak RSS {mine['peak_mb']:.0f} MB; "
                  f"one-row file {one['peak_mb']:.0f} MB; ratio {mine['peak_mb'] / one['peak_mb']:.2f}, "
                  f"difference {mine['peak_mb'] - one['peak_mb']:.0f} MB")
            figures = Results("import_memory", kind=kind, step=step, rows=mine["rows"])
            figures.figure("peak_rss_mb", round(mine["peak_mb"]), side="largest file")
            figures.figure("peak_rss_mb", round(one["peak_mb"]), side="one-row file")
            figures.figure("ratio", round(mine["peak_mb"] / one["peak_mb"], 3), of="largest / one-row, peak RSS")


if __name__ == "__main__":
    main()
