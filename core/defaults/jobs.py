"""The core's own periodic jobs, contributed through ``ordo_jobs`` like any plugin's.

Always on (registered by ``core.app`` as ``core.jobs``): it sends the notification outbox. Each message is
claimed and its result committed on its own (see ``core.outbox``), so the
job is safe to repeat after a crash.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from core.contracts import Job
from core.hookspecs import hookimpl
from core.outbox import send_pending

OUTBOX_EVERY = timedelta(seconds=30)


def send_outbox(now: datetime) -> str | None:
    """Deliver the due messages; say how many, or ``None`` when none was due."""
    report = send_pending(now=now)
    if not (report.sent or report.retried or report.failed):
        return None
    return f"sent {report.sent}, to retry {report.retried}, given up {report.failed}"


@hookimpl
def ordo_jobs() -> list[Job]:
    return [
        Job(
            name="outbox.send",
            every=OUTBOX_EVERY,
            run=send_outbox,
            description="Send queued notifications over SMTP; failures are retried with back-off.",
            # A run sends at most 100 messages, each with a 15 s SMTP timeout.
            lease=timedelta(minutes=30),
        )
    ]
