"""A plugin whose job sends the worker SIGTERM while it runs, as systemd does on stop."""
from __future__ import annotations

import signal
from datetime import datetime, timedelta

from core.contracts import Job
from core.hookspecs import hookimpl


def ring(now: datetime) -> str:
    signal.raise_signal(signal.SIGTERM)
    return "rang"


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("alarm.ring", every=timedelta(minutes=1), run=ring)]
