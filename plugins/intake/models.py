"""Intake's own tables: order-number sequences, API idempotency keys, settings, drafts waiting for customers."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import UTCDateTime, utcnow


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
