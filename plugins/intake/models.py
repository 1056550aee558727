"""Intake's own tables: order-number sequences, API idempotency keys, settings, drafts waiting for customers,
order imports and the column mappings saved for them."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Channel, Order
from core.models.types import UTCDateTime, enum_column, utcnow


class IntakeSequence(Model):
    """The last order number handed out for one company on one (company-local) day."""

    __tablename__ = "intake_sequence"
    __table_args__ = (UniqueConstraint("company_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    last: Mapped[int] = mapped_column(default=0)


class IntakeIdempotencyKey(Model):
    """An ``Idempotency-Key`` a caller sent with ``POST /orders``, and what it produced.

    A retry with the same key and body replays the order; a different body is refused.
    """

    __tablename__ = "intake_idempotency_key"
    __table_args__ = (UniqueConstraint("company_id", "user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"))
    status_code: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# The order number unless a company says otherwise: its prefix, its local date, the day's sequence.
DEFAULT_NUMBER_FORMAT = "{prefix}{date:%Y%m%d}-{seq:04d}"
DEFAULT_DUPLICATE_WINDOW_DAYS = 7


class IntakeSetting(Model):
    """How one company takes orders; a company without a row takes the defaults."""

    __tablename__ = "intake_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), unique=True)
    number_format: Mapped[str] = mapped_column(String(64), default=DEFAULT_NUMBER_FORMAT)
    # Orders of one customer with the same lines received this many days apart may be one order twice.
    duplicate_window_days: Mapped[int] = mapped_column(default=DEFAULT_DUPLICATE_WINDOW_DAYS)
    # Whether a customer's order placed in the portal is submitted at once, or waits for a clerk's re-check.
    portal_submits_directly: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class IntakeWaiting(Model):
    """A draft sent back to the customer for what is missing or doubtful, until it is answered."""

    __tablename__ = "intake_waiting"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    missing: Mapped[str] = mapped_column(Text)  # typed by the clerk, kept as typed
    emailed_to: Mapped[str | None] = mapped_column(String(200))
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"  # stored and previewed, waiting for the user's confirmation; the job never runs it
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(Model):
    """One order file handed in through the API or the portal, imported by the worker.

    A file uploaded in the portal waits as ``uploaded`` while the user previews it
    and picks its mapping; confirming it queues it. Unconfirmed uploads are removed
    after a day.

    ``results`` holds what the import did, as JSON: ``created`` (order ids),
    ``submitted`` (a count), ``already_imported`` (the file's order references),
    ``errors`` (``{"row", "column", "reason"}``, the header being row 1) and
    ``warnings`` (sentences).
    """

    __tablename__ = "intake_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))  # as sent
    mapping: Mapped[str] = mapped_column(String(64))  # a built-in mapping's name, or a saved one's
    submit: Mapped[bool] = mapped_column(default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when read: it is the whole file
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.QUEUED, index=True)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    failure: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportMapping(Model):
    """A company's own column mapping for the order files of one channel: which header holds which field.

    ``columns`` maps a field of :data:`plugins.intake.mappings.FIELDS` to the
    header of the file that holds it, exactly as the file spells it.
    """

    __tablename__ = "intake_import_mapping"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # lower-case code, never a built-in mapping's name
    label: Mapped[str] = mapped_column(String(200))  # typed by the user, kept as typed
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    columns: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class IntakeFingerprint(Model):
    """What an order's lines are, as one hash: the duplicate check finds same-content orders by it in one query.

    Kept by ``plugins.intake.fingerprints`` whenever an order's lines are flushed, whoever changes them.
    """

    __tablename__ = "intake_fingerprint"

    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)

    order: Mapped[Order] = relationship()
