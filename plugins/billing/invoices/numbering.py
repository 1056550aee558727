"""Document numbers: invoices and credit notes numbered per company and year, without gaps or duplicates.

One upsert both creates the year's counter and increments it, in the
transaction that issues the document: concurrent issues on PostgreSQL queue on
the counter's row and never share a number, and a transaction that rolls back
takes its number back with it, so no number is skipped.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from core.extensions import db
from plugins.billing.dates import company_zone, local_date
from plugins.billing.invoices.models import DocumentSequence


class NumberedKind(enum.StrEnum):
    INVOICE = "INV"
    CREDIT_NOTE = "CN"


def next_number(company_id: int, kind: NumberedKind, at: datetime) -> str:
    """The company's next number of ``kind`` in the (company-local) year of ``at``: ``INV2026-000001``."""
    year = local_date(at, company_zone(company_id)).year
    values = {"company_id": company_id, "kind": kind.value, "year": year, "last": 1}
    keys, increment = ["company_id", "kind", "year"], {"last": DocumentSequence.last + 1}
    dialect = db.session.get_bind().dialect.name
    # Both dialects spell the upsert alike, as two distinct Insert types.
    statement = (
        postgresql.insert(DocumentSequence).values(values).on_conflict_do_update(index_elements=keys, set_=increment)
        if dialect == "postgresql"
        else sqlite.insert(DocumentSequence).values(values).on_conflict_do_update(index_elements=keys, set_=increment)
    ).returning(DocumentSequence.last)
    last = db.session.execute(statement).scalar_one()
    return f"{kind.value}{year}-{last:06d}"
