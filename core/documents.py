"""Order documents: the kinds plugins offer, and the stored rendering of one that a user asks for.

A document is rendered once per version of its source (``DocumentKind.source``)
and variant (the language, and whether prices are shown), and stored as a
``StoredDocument``; every later request serves the stored bytes. The first
request renders and stores it in a short transaction of its own, on a
connection of its own: the render is never inside another write, the
request's own session writes nothing, and two first requests racing for the
same version end with one row that both serve.

A document that a step of the flow makes due (an issued invoice, a dispatched
shipment's delivery note) is not rendered by that step: the step says so
(``render_soon``, a row of ``document_due`` in its own transaction) and the
worker's ``documents.render`` job (``render_due``) renders and stores the
customer's copy right after the commit, so the flow pays no rendering and the
first GET serves stored bytes. A GET that comes before the worker renders it
itself, as any first request does; the worker then finds it stored.

A document is the customer's: it is rendered in the customer's language
(``core.languages.customer_language``) whoever asks for it, so the stored copy is
the one the customer gets, and it carries the seller's profile (the company).
"""
from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from flask import Response, current_app, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.auth.context import check, sees_prices
from core.contracts import DocumentKind, DocumentSource
from core.errors import NotFound, OrdoError
from core.extensions import db
from core.jobs import INSERT_IGNORING_DUPLICATES
from core.languages import customer_language
from core.models import Company, DocumentDue, Order, StoredDocument, User, utcnow
from core.models.types import SENTINEL
from core.modules import hooks_for_order
from core.pdf import render_pdf

LOG = logging.getLogger(__name__)

# Columns that record an order's life rather than what it says: no document prints them,
# so a status change alone makes no new version of the order's documents.
LIFECYCLE_COLUMNS = frozenset({
    "status", "version", "created_by_id", "created_at", "submitted_at", "decided_at",
    "delivered_at", "paid_in_full_at", "completed_at", "status_changed_at",
})


@dataclass(frozen=True)
class Document:
    """A stored rendering of a document, as it is served."""

    filename: str
    content: bytes
    content_hash: str  # sha256 of ``content``, hex: the ETag
    version: str
    variant: str
    created_at: datetime
    stored_id: int | None = None  # the StoredDocument row; None for a rendering served unstored
    tag: str | None = None  # the ETag, when it names the document's address (``address_tag``)

    @property
    def etag(self) -> str:
        """The ETag it is served with: the tag of its address, or else the hash of its bytes."""
        return self.tag or self.content_hash


def document_kinds(order: Order) -> dict[str, DocumentKind]:
    """The document kinds available for the order, by name."""
    return {kind.name: kind for contribution in hooks_for_order(order).document_kinds()
            for kind in contribution}


def may_open(user: User, order: Order, kind: DocumentKind) -> bool:
    """Whether ``user`` may open the document ``kind`` of ``order``, an order they may see.

    Staff need the kind's permission. A customer user opens the customer's copies
    (``DocumentKind.customer_copy``) of their own customer's orders with ``order.view``.
    """
    if user.customer_id is not None and kind.customer_copy:
        return user.customer_id == order.customer_id and user.can("order.view")
    return user.can(kind.permission)


def available_documents(order: Order, user: User) -> list[DocumentKind]:
    """The documents of the order that exist yet and that ``user`` may open."""
    return [kind for kind in document_kinds(order).values() if may_open(user, order, kind) and kind.available(order)]


def stored_document(order: Order, kind_name: str, user: User) -> Document:
    """The document ``kind_name`` of the order as ``user`` sees it, rendered and stored on first request.

    NotFound for a kind no plugin of the order offers or one the order has not
    yet; PermissionDenied when ``user`` may not open it (``may_open``). Call it
    where the document's source is committed (a GET, a job), never inside a write.
    """
    kind = _openable(order, kind_name, user)
    return _stored(order, kind, sees_prices(user))


def stored_kind_document(order: Order, kind: DocumentKind, user: User) -> Document:
    """A document of ``kind``, one a plugin builds for a part of the order (a shipment's delivery note),
    as ``user`` sees it: rendered and stored once per version of its source like every document."""
    _check_may_open(user, order, kind)
    return _stored(order, kind, sees_prices(user))


def order_document_response(order: Order, kind_name: str, user: User) -> Response:
    """The GET of the order's document ``kind_name`` as ``user`` sees it (``stored_document``), as a response.

    The ETag names the document's version and variant (``address_tag``), so a client that has it gets its 304
    once the version is known, before the stored bytes are read.
    """
    return kind_document_response(order, _openable(order, kind_name, user), user)


def kind_document_response(order: Order, kind: DocumentKind, user: User) -> Response:
    """The GET of a document of ``kind`` (``stored_kind_document``), as a response; 304 as for an order's."""
    _check_may_open(user, order, kind)
    show_prices = sees_prices(user)
    with db.session.no_autoflush:
        address, language = _address(order, kind, show_prices)
        tag = address_tag(address)
        if request.if_none_match.contains_weak(tag):
            return _not_modified(tag)
        return document_response(_served(order, kind, show_prices, address, language))


def _openable(order: Order, kind_name: str, user: User) -> DocumentKind:
    kind = document_kinds(order).get(kind_name)
    if kind is None:
        raise NotFound(_("no document kind %(kind)s for this order", kind=repr(kind_name)), field="kind")
    _check_may_open(user, order, kind)
    return kind


def _check_may_open(user: User, order: Order, kind: DocumentKind) -> None:
    if not may_open(user, order, kind):
        check(user, "order.view" if user.customer_id is not None and kind.customer_copy else kind.permission)


def issued_document(order: Order, kind_name: str) -> Document:
    """The customer's copy of the order's document ``kind_name``, rendered and stored on first use.

    For what the system sends the customer itself (the outbox attaches it): no user
    asks, so only a kind that is a customer copy (``DocumentKind.customer_copy``) is
    issued, with its prices, as the customer sees it, in their language. Call it
    where the document's source is committed (a job, the outbox sender), never inside a write.
    """
    kind = document_kinds(order).get(kind_name)
    if kind is None or not kind.customer_copy:
        raise NotFound(_("no document kind %(kind)s for this order", kind=repr(kind_name)), field="kind")
    return _stored(order, kind, True)


def render_soon(order: Order, *kind_names: str) -> None:
    """Have the worker render and store the customer's copies of the order's documents ``kind_names`` now due.

    Called by the step that makes them due, in that step's transaction: one insert for all the kinds (the
    delivery note and the certificate of a dispatch), each row ignored when its document already waits (the
    worker renders the version current when it runs).
    """
    if not kind_names:
        return
    insert = INSERT_IGNORING_DUPLICATES[db.session.get_bind().dialect.name]
    now = utcnow()
    db.session.execute(insert(DocumentDue).values([
        {"company_id": order.company_id, "order_id": order.id, "kind": kind_name, "due_at": now}
        for kind_name in dict.fromkeys(kind_names)]).on_conflict_do_nothing())


def render_due(now: datetime, *, limit: int = 50) -> int:
    """Render and store the documents due at ``now`` (at most ``limit``, the oldest first); how many were.

    Each rendering is stored in a transaction of its own (``_store``), so this one writes only at the end,
    deleting the rows it handled: on SQLite the write lock stays free while it renders. A document its
    order no longer offers, or whose rendering fails, is dropped from the queue and logged: its first
    GET renders it as it would have without the queue, and shows the error to whoever asks.
    """
    rows = db.session.execute(select(DocumentDue).where(DocumentDue.due_at <= now)
                              .order_by(DocumentDue.due_at, DocumentDue.id).limit(limit)).scalars().all()
    stored = 0
    for row in rows:
        order = db.session.get_one(Order, row.order_id)
        try:
            issued_document(order, row.kind)
        except OrdoError as error:
            LOG.info("document %s of order %s is not due any more: %s", row.kind, order.display_number, error)
        except Exception:  # rendering is the template's: log it, and let the first GET show the error
            LOG.exception("document %s of order %s could not be rendered", row.kind, order.display_number)
        else:
            stored += 1
    if rows:
        db.session.execute(delete(DocumentDue).where(DocumentDue.id.in_([row.id for row in rows])))
    return stored


def _stored(order: Order, kind: DocumentKind, show_prices: bool) -> Document:
    # Reading the source flushes none of the caller's pending changes: a GET stays a read, and
    # on SQLite the write lock stays free for the store's own transaction.
    with db.session.no_autoflush:
        address, language = _address(order, kind, show_prices)
        return _served(order, kind, show_prices, address, language)


def _address(order: Order, kind: DocumentKind, show_prices: bool) -> tuple[dict[str, Any], str]:
    """Where the current version of the document is stored (or is to be), and the customer's language."""
    if not kind.available(order):
        raise NotFound(_("order %(number)s has no %(kind)s yet", number=order.display_number, kind=kind.name),
                       field="kind")
    source = kind.source(order) if kind.source is not None else DocumentSource(order_version(order))
    language = customer_language(order.customer)
    with force_locale(language):
        document_variant = variant(show_prices)
    return {"company_id": order.company_id, "order_id": order.id, "kind": kind.name, "entity": source.entity,
            "entity_id": order.id if source.entity_id is None else source.entity_id,
            "version": source.version, "variant": document_variant}, language


def address_tag(address: dict[str, Any]) -> str:
    """The ETag of the document stored at ``address``: a digest of its kind, entity, version and variant.

    One address holds one stored rendering, written once and never changed, so the tag names its bytes
    and a client's If-None-Match is answered without reading them.
    """
    return hashlib.sha256("\x00".join(str(address[name]) for name in (
        "kind", "entity", "entity_id", "version", "variant")).encode()).hexdigest()[:32]


def _served(order: Order, kind: DocumentKind, show_prices: bool, address: dict[str, Any], language: str) -> Document:
    """The stored rendering at ``address``, rendered and stored first if there is none."""
    found = db.session.execute(_STORED_ROW, address).one_or_none()
    filename = f"{kind.name}-{order.display_number}.pdf"
    if found is not None:
        return Document(filename, found.content, found.content_hash, address["version"], address["variant"],
                        found.created_at, found.id, address_tag(address))
    with force_locale(language):
        content = _render(kind, order, show_prices)
    if _holds_sqlite_write_lock():
        # Storing would wait for the caller's own lock: serve this rendering unstored, and leave the store to
        # the next request that has written nothing. Its ETag is its bytes' hash: the address's tag names the
        # bytes stored there, which this rendering may not be to the byte.
        return Document(filename, content, _hash(content), address["version"], address["variant"], utcnow(), None)
    row = _store(address, content)
    return Document(filename, row.content, row.content_hash, row.version, row.variant, row.created_at, row.id,
                    address_tag(address))


# A stored rendering by its address: only what is served, read as a plain row (the row is never changed, so
# the session has no use for it as an object), by one statement built once, whose cache key is then known.
_STORED_TABLE = StoredDocument.__table__
_STORED_ROW = (select(_STORED_TABLE.c.id, _STORED_TABLE.c.content, _STORED_TABLE.c.content_hash,
                      _STORED_TABLE.c.created_at)
               .where(*(_STORED_TABLE.c[name] == bindparam(name) for name in (
                   "company_id", "order_id", "kind", "entity", "entity_id", "version", "variant"))))


def document_response(document: Document) -> Response:
    """The document as an inline PDF with its ETag (``Document.etag``); 304 to a client that has it already."""
    if request.if_none_match.contains_weak(document.etag):
        return _not_modified(document.etag)
    response = Response(document.content, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{document.filename}"'})
    return _cached_privately(response, document.etag)


def _not_modified(etag: str) -> Response:
    return _cached_privately(Response(status=304), etag)


def _cached_privately(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    # For the user who asked only; and asked again every time, since a new version may replace it.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


# --- versions and variants --------------------------------------------------------


def order_version(order: Order) -> str:
    """The version of what the order's documents print of it: its revision and a digest of its content.

    The content is every column of the order (but its lifecycle columns), of its
    lines and their products, of its customer and of the company, so any change
    that can show on a document makes a new version.
    """
    company = db.session.get(Company, order.company_id)
    return f"r{order.revision}-" + fingerprint(
        _columns(order, leave_out=LIFECYCLE_COLUMNS), order.customer, company,
        *order.lines, *(line.product for line in order.lines),
    )


def fingerprint(*parts: Any) -> str:
    """A short digest of what a document shows: a model row by its column values, any other value as itself."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((_columns(part) if inspect(part, raiseerr=False) is not None else _plain(part)).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:20]


def variant(show_prices: bool) -> str:
    """The variant of a rendering: the language it is in (every template is translated) and the prices."""
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
    return f"{locale}:{'prices' if show_prices else 'no-prices'}"


def _columns(row: Any, leave_out: frozenset[str] = frozenset()) -> str:
    # A deferred column (the company's logo) is large and stands for itself by a digest column beside it.
    values = ",".join(f"{attr.key}={_plain(getattr(row, attr.key))}"
                      for attr in inspect(row).mapper.column_attrs
                      if attr.key not in leave_out and attr.key != SENTINEL and not attr.deferred)
    return f"{type(row).__name__}({values})"


def _plain(value: Any) -> str:
    # The same value in memory and as loaded from either database reads the same.
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return repr(value)


# --- rendering and storing ----------------------------------------------------------


def _render(kind: DocumentKind, order: Order, show_prices: bool) -> bytes:
    # One rendering serves every user of the variant, so the template gets no user. Every document
    # gets the seller (``company``, its profile) and the buyer (``customer``) for its header and footer.
    context = {"company": db.session.get_one(Company, order.company_id), "customer": order.customer,
               **kind.context(order)}
    return render_pdf(kind.template, order=order, show_prices=show_prices, **context)


def _hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _holds_sqlite_write_lock() -> bool:
    """Whether the caller's transaction has written to SQLite, whose single write lock it then holds.

    Python's sqlite3 opens a transaction only before a write, so ``in_transaction`` says just that.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return False
    return bool(getattr(connection.connection.dbapi_connection, "in_transaction", False))


def _store(address: dict[str, Any], content: bytes) -> StoredDocument:
    """Store a rendering in a transaction of its own; a concurrent first request's row wins if it came first."""
    with Session(db.engine, expire_on_commit=False) as session:
        row = StoredDocument(**address, content=content, content_hash=_hash(content), size=len(content))
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            winner = session.execute(select(StoredDocument).filter_by(**address)).scalar_one_or_none()
            if winner is None:
                raise  # not a race on the address: the order or company is not committed
            return winner
        return row
