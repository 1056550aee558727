"""The benchmarks' figures as JSON lines: one object per figure in ``benchmarks/results/latest.jsonl``.

Every benchmark appends its figures here as it prints them (``record``), each with the
benchmark's name, the time of the run, the commit measured and what the figure is of
(database, route, side...); ``make bench`` empties the file first, so after it the
file holds one run of every benchmark: ``jq 'select(.figure=="ratio")' latest.jsonl``.
The folder is not committed (``.gitignore``): the figures of record are in the README.
"""
from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LATEST = Path(os.environ.get("ORDO_BENCH_RESULTS", ROOT / "benchmarks" / "results" / "latest.jsonl"))


@cache
def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


class Results:
    """The JSON lines of one run of a benchmark, with the run's settings in each; appended, never truncated."""

    def __init__(self, benchmark: str, path: Path = LATEST, **settings: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.settings = {"benchmark": benchmark, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "commit": _commit(), **settings}

    def figure(self, figure: str, value: Any, **where: Any) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps({**self.settings, **where, "figure": figure, "value": value},
                                    ensure_ascii=False) + "\n")


def record(benchmark: str, figure: str, value: Any, **where: Any) -> None:
    """One figure of a benchmark that has no settings to repeat in every line."""
    Results(benchmark).figure(figure, value, **where)
