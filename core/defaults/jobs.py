"""The core's own periodic jobs, contributed through ``ordo_jobs`` like any plugin's.

Always on (registered by ``core.app`` as ``core.jobs``): it sends the notification outbox, and renders the
documents the flow made due (``core.documents.render_due``) right after the commit that made them due.
Each message is claimed and its result committed on its own (see ``core.outbox``), and each rendering is
stored on its own before its queue row is deleted, so both jobs are safe to repeat after a crash.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from core.contracts import Job
from core.documents import render_due
from core.hookspecs import hookimpl
from core.outbox import send_pending

OUTBOX_EVERY = timedelta(seconds=30)
# As often as the worker looks (``ordo worker --interval``, 5 s): a document is due as soon as it is made due.
DOCUMENTS_EVERY = timedelta(seconds=1)


def render_documents(now: datetime) -> str | None:
    """Render and store the documents due; say how many, or ``None`` when none was due."""
    stored = render_due(now)
    return f"rendered {stored}" if stored else None


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
        ),
        Job(
            name="documents.render",
            every=DOCUMENTS_EVERY,
            run=render_documents,
            description="Render and store the documents the flow made due (invoices, delivery notes).",
            # A run renders at most 50 documents, each well under a second.
            lease=timedelta(minutes=10),
        ),
    ]
