"""The one place that commits and rolls back, and scoped queries that keep companies apart.

Services flush and raise; they never commit or roll back. A request's work is
committed or discarded by the handlers ``core.app`` installs (which call
``commit`` and ``discard`` here), and a CLI command's or a job's by
``unit_of_work``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol, TypeVar

from flask import has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Conflict, NotFound, Unavailable
from core.extensions import db



class CompanyOwned(Protocol):
    """A model whose rows belong to one company, such as Order, Customer or User."""

    # A mapped column is a descriptor on the class: ``Order.company_id`` is the
    # column to filter on, ``order.company_id`` the int. ClassVar[Mapped[...]] says
    # exactly that; a plain ``Mapped[int]`` member would also require it settable
    # with a Mapped, which no model class is.
    id: ClassVar[Mapped[int]]
    company_id: ClassVar[Mapped[int]]


M = TypeVar("M", bound=CompanyOwned)


def commit() -> None:
    """Commit the session; a lost race becomes a Conflict and nothing is half saved."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as error:
        discard()
        raise Conflict(_conflict_message(error)) from error
    except OperationalError as error:
        discard()
        if is_busy(error):
            raise busy() from error
        raise
    except Exception:
        discard()
        raise


def discard() -> None:
    """Undo everything the current transaction did: the one rollback."""
    db.session.rollback()


def fail_request() -> None:
    """Discard the current request's work at once; nothing later in it is committed.

    For portal views that show a business error on the page they render
    (``core.web.attempt``): the page can still read the database, and the
    request's earlier work is not committed half done.
    """
    discard()
    # Kept on the request, not on ``g``: an application context (a test's) may outlive many requests.
    if has_request_context():
        request.environ[REQUEST_FAILED] = True


REQUEST_FAILED = "ordo.request_failed"


def request_failed() -> bool:
    return has_request_context() and bool(request.environ.get(REQUEST_FAILED))


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
        discard()
        raise
    commit()


def flush() -> None:
    """Flush pending changes, turning a lost race into a Conflict (the caller's handler rolls back)."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise Conflict(_conflict_message(error)) from error


def page_of(query: Select[Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of a query's rows with the total, as lists and the API return them."""
    pagination = db.paginate(query, page=page, per_page=per_page, max_per_page=None, error_out=False)
    return {"items": list(pagination.items), "total": pagination.total, "page": page, "per_page": per_page,
            "pages": max(pagination.pages, 1)}


def scoped(model: type[M], company_id: int) -> Select[M]:
    """A SELECT of ``model`` limited to one company's rows."""
    return select(model).where(model.company_id == company_id)


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
    row = db.session.execute(scoped(model, company_id).where(model.id == ident)).scalar_one_or_none()
    if row is None:
        raise NotFound(_("%(what)s %(id)s does not exist", what=what or model.__name__, id=ident))
    return row
