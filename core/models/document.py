"""Rendered documents, stored once per version of their source and never changed.

A row is addressed by company, order, kind, the entity it shows (the order
itself, an invoice, a shipment), the version of that entity's content and the
variant (language and price visibility). An issued document stays
reproducible exactly as it was sent: a change to its source makes a new row
and leaves the old one as it is.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.audit import AppendOnlyError
from core.models.types import UTCDateTime, utcnow


class StoredDocument(Model):
    __tablename__ = "stored_document"
    # The address; two first requests for the same one race to a single row.
    __table_args__ = (UniqueConstraint("company_id", "order_id", "kind", "entity", "entity_id", "version",
                                       "variant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    kind: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))  # "order", or the plugin's entity ("invoice", "shipment")
    entity_id: Mapped[int]
    version: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str] = mapped_column(String(64))  # "<locale>:prices" or "<locale>:no-prices"
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of content, hex; the ETag
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<StoredDocument {self.kind} {self.entity}:{self.entity_id} {self.version} {self.variant}>"


@event.listens_for(StoredDocument, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: StoredDocument) -> None:
    raise AppendOnlyError(f"stored document {target.id} is never changed; a new version is a new row")


class DocumentDue(Model):
    """A document that has just become due (an issued invoice, a dispatched shipment) and waits for the
    worker to render and store it, so that the request that made it due does not render it, and the first
    GET finds it stored. One row per order and kind; the ``documents.render`` job deletes it once stored."""

    __tablename__ = "document_due"
    __table_args__ = (UniqueConstraint("order_id", "kind"), Index("ix_document_due_due_at", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<DocumentDue {self.kind} order={self.order_id}>"
