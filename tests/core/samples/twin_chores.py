"""A plugin that contributes a job under a name another plugin uses already."""
from __future__ import annotations

from datetime import datetime, timedelta

from core.contracts import Job
from core.hookspecs import hookimpl


def nothing(now: datetime) -> None:
    return None


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("chores.tidy", every=timedelta(minutes=5), run=nothing)]
