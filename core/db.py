"""The one place that commits and rolls back, and scoped queries that keep companies apart.

Services flush and raise; they never commit or roll back. A request's work is
committed or discarded by the handlers ``core.app`` installs (which call
``commit`` and ``discard`` here), and a CLI command's or a job's by
``unit_of_work``. The API's lists take their pages here too (``page_of``).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol, TypeVar

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, Signer
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Conflict, NotFound, Unavailable, ValidationError
from core.extensions import db
from core.keyset import BAD_TOKEN, Cursor, Keyset, cursor_token



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


# Page numbers reach the first PAGE_REACH rows of a list; past them a client follows the cursor,
# which costs what the first page does where an OFFSET would read every row before it.
PAGE_REACH = 10_000
# A list counts its rows up to COUNT_LIMIT; past it ``total`` is a lower bound (``total_capped``),
# so no request counts a whole big table.
COUNT_LIMIT = 10_000


def page_of(query: Select[Any], keyset: Keyset, *, per_page: int, page: int | None = None,
            cursor: str | None = None) -> dict[str, Any]:
    """One page of a query's rows in the keyset's order, as the API's lists answer it.

    The page starts after ``cursor`` (a ``next_cursor`` this list gave) or, without one,
    at ``page`` (1 if None) while it starts within the first PAGE_REACH rows. The
    query's own ORDER BY is replaced by the keyset's; it selects one entity, with
    the loader options its answer needs. The answer: ``items``, ``total`` (counted up
    to COUNT_LIMIT; ``total_capped`` says there are more), ``page`` (None after a
    cursor), ``per_page`` and ``next_cursor`` (None on the last page). A cursor that
    this list did not make, or a page past the reach, is a ValidationError naming it.
    """
    statement = keyset.ordered(query.order_by(None))
    if cursor is not None:
        if page is not None:
            raise ValidationError(_("page and cursor do not go together: the cursor says where the page starts"),
                                  field="page")
        statement = statement.where(keyset.past(_position(keyset, cursor)))
    else:
        page = page or 1
        if (page - 1) * per_page >= PAGE_REACH:
            raise ValidationError(_("page %(page)s starts past row %(reach)s: page numbers reach only the first "
                                    "%(reach)s rows; go further by following next (a cursor) from an earlier page",
                                    page=page, reach=PAGE_REACH), field="page")
        statement = statement.offset((page - 1) * per_page)
    # Each row brings its position: the sort value (unless the id is the sort) and the id.
    position = (keyset.id,) if keyset.column is None else (keyset.column, keyset.id)
    rows = db.session.execute(statement.add_columns(*position).limit(per_page + 1)).unique().all()
    counted = db.session.execute(select(func.count()).select_from(
        query.order_by(None).with_only_columns(keyset.id, maintain_column_froms=True)
        .limit(COUNT_LIMIT + 1).subquery())).scalar_one()
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        next_cursor = cursor_signer(keyset).sign(cursor_token(last[-len(position)], last[-1])).decode("ascii")
    return {"items": [row[0] for row in rows], "total": min(counted, COUNT_LIMIT),
            "total_capped": counted > COUNT_LIMIT, "page": page, "per_page": per_page, "next_cursor": next_cursor}


def cursor_signer(keyset: Keyset) -> Signer:
    """Signs a list's cursors with the app's secret, for its order only: a cursor of another list is refused."""
    order = f"{keyset.column}|{keyset.id}|{'desc' if keyset.descending else 'asc'}"
    return Signer(current_app.secret_key or "", salt=f"ordo.cursor:{order}")


def _position(keyset: Keyset, cursor: str) -> Cursor:
    try:
        return keyset.position(cursor_signer(keyset).unsign(cursor.encode("utf-8")).decode("ascii"))
    except (BadSignature, *BAD_TOKEN):
        raise ValidationError(_("cursor is not a position in this list; follow the list's own next link"),
                              field="cursor") from None


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
