"""The one place that commits, and scoped queries that keep companies apart."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Conflict, NotFound, Unavailable
from core.extensions import db

M = TypeVar("M")


def commit() -> None:
    """Commit the session; a lost race becomes a Conflict and nothing is half saved."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as error:
        db.session.rollback()
        raise Conflict(_conflict_message(error)) from error
    except OperationalError as error:
        db.session.rollback()
        if is_busy(error):
            raise busy() from error
        raise
    except Exception:
        db.session.rollback()
        raise


# How long a client is asked to wait after a 503 for a busy database.
RETRY_AFTER_SECONDS = 2
# PostgreSQL's "try again" errors: serialization failure, deadlock, lock not available.
_PG_RETRY_CODES = {"40001", "40P01", "55P03"}


def is_busy(error: OperationalError) -> bool:
    """Whether the database refused for a lock held by someone else, rather than for a fault."""
    original = error.orig
    if getattr(original, "sqlite_errorname", None) in {"SQLITE_BUSY", "SQLITE_LOCKED"}:
        return True
    if "database is locked" in str(original) or "database table is locked" in str(original):
        return True
    return getattr(original, "sqlstate", None) in _PG_RETRY_CODES


def busy() -> Unavailable:
    return Unavailable(_("The database is busy; try again in a moment."), retry_after=RETRY_AFTER_SECONDS)


def _conflict_message(error: Exception) -> str:
    if isinstance(error, StaleDataError):
        return _("The record was changed by someone else; reload it and try again.")
    return _("The change conflicts with data saved meanwhile (a duplicate or a stale reference).")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Run a block outside a request (CLI, jobs) and commit it as one transaction."""
    try:
        yield
    except Exception:
        db.session.rollback()
        raise
    commit()


def flush() -> None:
    """Flush pending changes, turning a lost race into a Conflict."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        db.session.rollback()
        raise Conflict(_conflict_message(error)) from error


def page_of(query: Select[Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of a query's rows with the total, as lists and the API return them."""
    pagination = db.paginate(query, page=page, per_page=per_page, max_per_page=None, error_out=False)
    return {"items": list(pagination.items), "total": pagination.total, "page": page, "per_page": per_page,
            "pages": max(pagination.pages, 1)}


def scoped(model: type[M], company_id: int) -> Select[tuple[M]]:
    """A SELECT of ``model`` limited to one company's rows."""
    return select(model).where(model.company_id == company_id)  # type: ignore[attr-defined]


# Ids are 32-bit integers; a larger number (from a URL) names no row, and
# PostgreSQL refuses to compare it with an integer column at all.
MAX_ID = 2**31 - 1


def is_id(ident: Any) -> bool:
    """Whether ``ident`` can be the id of a row; out-of-range numbers cannot."""
    return not isinstance(ident, int) or 0 < ident <= MAX_ID


def get_scoped(model: type[M], company_id: int, ident: Any, *, what: str | None = None) -> M:
    """Load one row of ``model`` owned by the company, or raise NotFound."""
    if not is_id(ident):
        raise NotFound(_("%(what)s %(id)s does not exist", what=what or model.__name__, id=ident))
    row = db.session.execute(
        scoped(model, company_id).where(model.id == ident)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(_("%(what)s %(id)s does not exist", what=what or model.__name__, id=ident))
    return row
