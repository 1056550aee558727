"""Order imports handed in through the API or the portal, run by the worker's job ``intake.imports``.

:func:`start` refuses at once what cannot be imported at all (the file's type, size,
encoding, the columns its mapping needs) and queues the file. The job takes a
company's queued imports oldest first and runs each through
:func:`plugins.intake.imports.import_table`, which commits chunk by chunk; after
each chunk ``rows_done`` moves on and is committed, so the status resource shows
the progress. The results are stored on the import when it is done.

Running an import again is harmless, since a re-import creates nothing new (the
orders' source reference): an import left ``running`` by a worker that died is
taken up again once it is older than the job's lease.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from core.db import commit, discard, get_scoped, scoped
from core.errors import OrdoError, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Company, User, utcnow
from plugins.intake import imports, mappings
from plugins.intake.models import ImportJob, ImportStatus

LOG = logging.getLogger(__name__)

# The job's lease: longer than the largest file takes (20 MB of rows).
LEASE = timedelta(minutes=30)
# Imports taken in one run of the job, per company.
PER_RUN = 20


def _require_import(actor: User) -> None:
    if not actor.can("order.import"):
        raise PermissionDenied(_("you may not import orders"), permissions=("order.import",))


def start(company: Company, actor: User, filename: str, data: bytes, mapping_name: str, *,
          submit: bool = False) -> ImportJob:
    """Check the file and queue its import; raises for a file or a mapping that cannot be imported."""
    _require_import(actor)
    mapping = mappings.resolve(company.id, mapping_name)
    if mapping is None:
        raise ValidationError(_("there is no mapping %(name)s", name=mapping_name), field="mapping")
    table = imports.read_table(filename, data)
    imports.check_columns(table[0], mapping)
    job = ImportJob(company_id=company.id, created_by_id=actor.id, filename=filename[:255], mapping=mapping.name,
                    submit=submit, content=data, status=ImportStatus.QUEUED, rows_total=len(table) - 1,
                    rows_done=0)
    db.session.add(job)
    db.session.flush()
    return job


def get_import(actor: User, job_id: Any) -> ImportJob:
    """One import of the actor's company; raises NotFound for another company's."""
    _require_import(actor)
    return get_scoped(ImportJob, actor.company_id, job_id, what=_("Import"))


def recent_imports(actor: User, limit: int = 50) -> list[ImportJob]:
    """The company's latest imports, newest first."""
    _require_import(actor)
    return list(db.session.execute(scoped(ImportJob, actor.company_id)
                                   .order_by(ImportJob.id.desc()).limit(limit)).scalars())


def results_of(result: imports.ImportResult) -> dict[str, Any]:
    """What an import did, as stored on the import and answered by the API."""
    return {"created": list(result.created), "submitted": result.submitted,
            "already_imported": list(result.already_imported),
            "errors": [{"row": error.row, "column": error.column, "reason": error.reason}
                       for error in result.errors],
            "warnings": list(result.warnings)}


def run_queued(company: Company, now: datetime) -> str | None:
    """The job's work for one company: run its queued imports (and stale running ones), oldest first."""
    stale = now - LEASE
    waiting = list(db.session.execute(
        select(ImportJob.id).where(ImportJob.company_id == company.id, or_(
            ImportJob.status == ImportStatus.QUEUED,
            (ImportJob.status == ImportStatus.RUNNING) & (ImportJob.started_at < stale)))
        .order_by(ImportJob.id).limit(PER_RUN)).scalars())
    done = [_run(db.session.get_one(ImportJob, job_id), company) for job_id in waiting]
    return _("%(count)s import(s) run", count=len(done)) if done else None


def _run(job: ImportJob, company: Company) -> ImportStatus:
    job.status, job.started_at, job.rows_done = ImportStatus.RUNNING, utcnow(), 0
    commit()
    actor = db.session.get_one(User, job.created_by_id)

    def progress(rows: int) -> None:
        job.rows_done += rows
        commit()

    try:
        mapping = mappings.resolve(company.id, job.mapping)
        if mapping is None:
            raise ValidationError(_("there is no mapping %(name)s any more", name=job.mapping), field="mapping")
        if not actor.active:
            raise PermissionDenied(_("%(name)s, who handed the file in, is no longer active", name=actor.username))
        result = imports.import_orders(company, job.filename, job.content, mapping, actor, submit=job.submit,
                                       progress=progress)
    except OrdoError as refused:
        discard()
        job.status, job.failure = ImportStatus.FAILED, str(refused)
    except Exception:  # an import that breaks must not be retried for ever: it is marked failed and logged
        discard()
        LOG.exception("import %s of company %s failed", job.id, company.code)
        job.status = ImportStatus.FAILED
        job.failure = _("the import stopped on an internal error after %(rows)s rows; the orders of those rows "
                        "are kept, and importing the file again adds only the rest", rows=job.rows_done)
    else:
        job.status, job.results, job.rows_done = ImportStatus.DONE, results_of(result), job.rows_total
    job.finished_at = utcnow()
    commit()
    return job.status
