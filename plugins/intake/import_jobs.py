"""Order imports handed in through the API or the portal, run by the worker's job ``intake.imports``.

The portal works as upload, preview, confirm: :func:`upload` checks the file (type,
size, encoding, rows) and stores it as ``uploaded``, whatever its mapping lacks;
:func:`preview` shows its first rows and which field each header feeds under a
mapping; :func:`confirm` checks the columns and queues it (:func:`discard_upload`
drops it instead). An upload nobody confirms is removed by the job after a day.

:func:`start` (the API's) is upload and confirm in one: it refuses at once what
cannot be imported at all (the file's type, size, encoding, the columns its
mapping needs) and queues the file. The job takes a
company's queued imports oldest first and runs each through
:func:`plugins.intake.imports.import_orders`, which reads the file row by row and commits chunk by chunk; after
each chunk ``rows_done`` moves on and is committed, so the status resource shows
the progress. The results are stored on the import when it is done.

Running an import again is harmless, since a re-import creates nothing new (the
orders' source reference): an import left ``running`` by a worker that died is
taken up again once it is older than the job's lease.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import LargeBinary, delete, func, or_, select

from core.db import commit, discard, get_scoped, scoped
from core.errors import Conflict, OrdoError, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Company, User, utcnow
from core.tabular import scan
from plugins.intake import imports, mappings
from plugins.intake.mappings import FIELDS, REQUIRED, ColumnMapping
from plugins.intake.models import ImportJob, ImportStatus

LOG = logging.getLogger(__name__)

# The job's lease: longer than the largest file takes (20 MB of rows).
LEASE = timedelta(minutes=30)
# Imports taken in one run of the job, per company.
PER_RUN = 20
# An upload nobody confirmed is removed after this long.
UPLOAD_KEPT = timedelta(days=1)
# Rows a preview shows at most.
PREVIEW_ROWS = 10
# Bytes of a stored file read from the database at a time (:func:`stored_file`).
FILE_SLICE = 4 * 1024 * 1024
# Characters of a cell a preview shows at most (the rest is cut off with "…"); its columns are bounded by
# imports' own limit (core.tabular_limits.MAX_COLUMNS).
PREVIEW_CELL_CHARS = 100


def stored_file(job: ImportJob) -> bytes:
    """The file the import holds, read from the database a slice at a time.

    A database driver fetching a value of 20 MB whole holds several copies of it at once
    (PostgreSQL's psycopg: the hex text of the wire, 40 MB, its unescaped copy and the
    bytes, about 120 MB in all); read a slice at a time, it holds the slices and a slice's
    worth more. ``ImportJob.content`` is deferred, so the job's other columns come without it.
    """
    size = db.session.execute(select(func.length(ImportJob.content)).where(ImportJob.id == job.id)).scalar_one()
    return b"".join(db.session.execute(
        select(func.substr(ImportJob.content, start + 1, FILE_SLICE, type_=LargeBinary))
        .where(ImportJob.id == job.id)).scalar_one() for start in range(0, size, FILE_SLICE))


def _require_import(actor: User) -> None:
    if not actor.can("order.import"):
        raise PermissionDenied(_("you may not import orders"), permissions=("order.import",))


def _mapping(company: Company, mapping_name: str) -> ColumnMapping:
    mapping = mappings.resolve(company.id, mapping_name)
    if mapping is None:
        raise ValidationError(_("there is no mapping %(name)s", name=mapping_name), field="mapping")
    return mapping


def _stored(company: Company, actor: User, filename: str, data: bytes, mapping: ColumnMapping, submit: bool,
            status: ImportStatus, rows_total: int) -> ImportJob:
    job = ImportJob(company_id=company.id, created_by_id=actor.id, filename=filename[:255], mapping=mapping.name,
                    submit=submit, content=data, status=status, rows_total=rows_total, rows_done=0)
    db.session.add(job)
    db.session.flush()
    return job


def start(company: Company, actor: User, filename: str, data: bytes, mapping_name: str, *,
          submit: bool = False) -> ImportJob:
    """Check the file and queue its import; raises for a file or a mapping that cannot be imported.

    :func:`upload` and :func:`confirm` in one, storing nothing when either would refuse.
    """
    _require_import(actor)
    mapping = _mapping(company, mapping_name)
    found = scan(filename, data)
    imports.check_columns(found.header, mapping)
    return _stored(company, actor, filename, data, mapping, submit, ImportStatus.QUEUED, found.rows)


def upload(company: Company, actor: User, filename: str, data: bytes, mapping_name: str,
           submit: bool = False) -> ImportJob:
    """Store a readable file as ``uploaded``, to be previewed and confirmed; its mapping may still lack columns.

    Refuses a file that is not a CSV or xlsx, is empty, too large or of an unknown
    encoding, and a mapping that does not exist.
    """
    _require_import(actor)
    mapping = _mapping(company, mapping_name)
    found = scan(filename, data)
    return _stored(company, actor, filename, data, mapping, submit, ImportStatus.UPLOADED, found.rows)


@dataclass(frozen=True)
class Preview:
    """The start of an uploaded file as a mapping reads it.

    ``fields`` holds, for each header, the field of :data:`~plugins.intake.mappings.FIELDS`
    it feeds or ``None``; ``unknown`` the headers the mapping does not import;
    ``missing`` the required fields no header feeds; ``positions`` each fed field's header position.
    """

    mapping: ColumnMapping
    headers: list[str]
    rows: list[list[str]]
    fields: list[str | None]
    unknown: list[str]
    missing: list[str]
    rows_total: int
    positions: dict[str, int]

    @property
    def importable(self) -> bool:
        return not self.missing

    def header_of(self, field_name: str) -> str | None:
        """The file's header that feeds a field, if one does."""
        position = self.positions.get(field_name)
        return None if position is None else self.headers[position]


def preview(job: ImportJob, mapping: ColumnMapping, rows: int = PREVIEW_ROWS) -> Preview:
    """The first ``rows`` rows of the stored file under its headers, and which field each header feeds."""
    found = scan(job.filename, stored_file(job), keep=rows)
    headers = [cell.strip() for cell in found.header]
    fed: dict[str, int] = {}
    for field_name in FIELDS:  # the first header matching one of the field's spellings, as the import reads it
        position = next((headers.index(alias) for alias in mapping.columns.get(field_name, ()) if alias in headers),
                        None)
        if position is not None:
            fed[field_name] = position
    fields: list[str | None] = [None] * len(headers)
    for field_name, position in fed.items():
        fields[position] = fields[position] or field_name
    width = len(headers)
    shown = [[_cut(cell) for cell in (row + [""] * width)[:width]] for row in found.first]
    return Preview(mapping=mapping, headers=headers, rows=shown, fields=fields,
                   unknown=[header for header, fed in zip(headers, fields, strict=True) if fed is None and header],
                   missing=[name for name in REQUIRED if name not in fed], rows_total=found.rows,
                   positions=fed)


def _cut(cell: str) -> str:
    return cell if len(cell) <= PREVIEW_CELL_CHARS else cell[:PREVIEW_CELL_CHARS - 1] + "…"


def _require_uploaded(job: ImportJob) -> None:
    if job.status != ImportStatus.UPLOADED:
        raise Conflict(_("import %(id)s was already handed over to the worker; it can no longer be changed",
                         id=job.id))


def confirm(job: ImportJob, actor: User, mapping_name: str, submit: bool) -> ImportJob:
    """Queue an uploaded file with the mapping the user settled on; refuses a mapping that lacks columns."""
    _require_import(actor)
    if job.company_id != actor.company_id:
        raise PermissionDenied(_("you may not import orders"), permissions=("order.import",))
    _require_uploaded(job)
    company = db.session.get_one(Company, job.company_id)
    mapping = _mapping(company, mapping_name)
    found = scan(job.filename, stored_file(job))
    imports.check_columns(found.header, mapping)
    job.mapping, job.submit, job.rows_total = mapping.name, submit, found.rows
    job.status = ImportStatus.QUEUED
    db.session.flush()
    return job


def discard_upload(job: ImportJob, actor: User) -> None:
    """Drop an uploaded file that was not confirmed."""
    _require_import(actor)
    if job.company_id != actor.company_id:
        raise PermissionDenied(_("you may not import orders"), permissions=("order.import",))
    _require_uploaded(job)
    db.session.delete(job)
    db.session.flush()


def remove_stale_uploads(company: Company, now: datetime) -> int:
    """Delete the company's uploads left unconfirmed for longer than :data:`UPLOAD_KEPT`; how many."""
    removed = db.session.execute(delete(ImportJob).where(
        ImportJob.company_id == company.id, ImportJob.status == ImportStatus.UPLOADED,
        ImportJob.created_at < now - UPLOAD_KEPT).execution_options(synchronize_session=False))
    return int(getattr(removed, "rowcount", 0) or 0)


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
    """The job's work for one company: run its queued imports (and stale running ones), oldest first;
    remove the uploads nobody confirmed within a day."""
    removed = remove_stale_uploads(company, now)
    if removed:
        commit()
    stale = now - LEASE
    waiting = list(db.session.execute(
        select(ImportJob.id).where(ImportJob.company_id == company.id, or_(
            ImportJob.status == ImportStatus.QUEUED,
            (ImportJob.status == ImportStatus.RUNNING) & (ImportJob.started_at < stale)))
        .order_by(ImportJob.id).limit(PER_RUN)).scalars())
    done = [_run(db.session.get_one(ImportJob, job_id), company) for job_id in waiting]
    said = ([_("%(count)s import(s) run", count=len(done))] if done else []) + (
        [_("%(count)s unconfirmed upload(s) removed", count=removed)] if removed else [])
    return "; ".join(said) or None


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
        result = imports.import_orders(company, job.filename, stored_file(job), mapping, actor,
                                       submit=job.submit, progress=progress)
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
