"""The statement's PDF: rendered once per version and variant, in the customer's language, and stored.

A statement never changes once made, so its version is a digest of what it
prints (its figures and lines, the customer, the seller's profile); the
variant is the language and whether amounts show (``core.documents.variant``).
The first request renders it and stores it in a short transaction of its own,
as ``core.documents`` does for an order's documents (a statement belongs to a
customer, not to one order, so it has a table of its own); every later
request serves the stored bytes with their hash as ETag.

The statement's email carries the customer's copy: queued as a reference
(``attachment``), answered by ``outbox_document`` when the outbox sends it.
"""
from __future__ import annotations

import hashlib

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.auth.context import sees_prices
from core.documents import Document, fingerprint, variant
from core.extensions import db
from core.languages import customer_language
from core.models import Company, User
from core.outbox import OwnedDocumentRef
from core.pdf import render_pdf
from plugins.billing.statements.models import Statement, StatementDocument
from plugins.billing.statements.services import running_balances

TEMPLATE = "statement.html"
OUTBOX_KIND = "billing.statement"  # the outbox's name of a statement's PDF (``outbox_document``)


def version_of(statement: Statement, company: Company) -> str:
    return "v1-" + fingerprint(statement, *statement.lines, statement.customer, company)


def statement_document(statement: Statement, user: User) -> Document:
    """The statement's PDF as ``user`` sees it (amounts only with ``order.view_prices``), stored on first request.

    Call it from a read (a GET): the render happens outside any write, and the
    row is stored on a connection of its own; two first requests end with one row.
    """
    return _document(statement, sees_prices(user), customer_language(statement.customer))


def attachment(statement: Statement) -> OwnedDocumentRef:
    """The statement's PDF as an attachment of its email: a reference the outbox resolves when it sends."""
    return OwnedDocumentRef(OUTBOX_KIND, statement.id, f"statement-{statement.number}.pdf")


def outbox_document(company: Company, kind: str, key: int, language: str) -> bytes | None:
    """The ``outbox_document`` answer: the customer's copy (with its amounts) of the company's statement
    ``key`` in ``language``, stored on first send; None for another kind or another company's statement."""
    if kind != OUTBOX_KIND:
        return None
    statement = db.session.execute(select(Statement).where(Statement.id == key,
                                                           Statement.company_id == company.id)).scalar_one_or_none()
    if statement is None:
        return None
    return _document(statement, True, language).content


def _document(statement: Statement, show_prices: bool, language: str) -> Document:
    company = db.session.get_one(Company, statement.company_id)
    with db.session.no_autoflush:
        with force_locale(language):
            address = {"company_id": statement.company_id, "statement_id": statement.id,
                       "version": version_of(statement, company), "variant": variant(show_prices)}
        row = db.session.execute(select(StatementDocument).filter_by(**address)).scalar_one_or_none()
        if row is None:
            with force_locale(language):
                content = render_pdf(TEMPLATE, statement=statement, rows=running_balances(statement),
                                     company=company, customer=statement.customer, show_prices=show_prices)
            row = _store(address, content)
    return Document(f"statement-{statement.number}.pdf", row.content, row.content_hash, row.version, row.variant,
                    row.created_at, row.id)


def _store(address: dict[str, object], content: bytes) -> StatementDocument:
    """Store a rendering in a transaction of its own; a concurrent first request's row wins if it came first."""
    with Session(db.engine, expire_on_commit=False) as session:
        row = StatementDocument(**address, content=content, content_hash=hashlib.sha256(content).hexdigest(),
                                size=len(content))
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            winner = session.execute(select(StatementDocument).filter_by(**address)).scalar_one_or_none()
            if winner is None:
                raise
            return winner
        return row
