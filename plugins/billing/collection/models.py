"""Collection's tables: the company's dunning levels, the notices sent, promises to pay, follow-ups, and
credit holds.

A notice is unique on (invoice, level): whatever runs at once or again, an
invoice is chased once per level. A customer has at most one hold in force
(``released_at`` empty); a released hold stays as the record of what was
decided, with who released it and why.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Customer, User
from core.models.types import Money, UTCDateTime, enum_column, utcnow
from plugins.billing.invoices.models import Invoice


class DunningChannel(enum.StrEnum):
    EMAIL = "email"  # an email to the customer
    LETTER = "letter"  # a formal letter: an email with the letter attached as a PDF
    CALL = "call"  # a task in the salesperson's inbox: call the customer


class NoticeTone(enum.StrEnum):
    """Which text the customer reads: each is a template in both languages."""

    REMINDER = "reminder"  # friendly: perhaps it was overlooked
    FORMAL = "formal"  # a formal demand
    FINAL = "final"  # the last notice before credit is stopped


class PromiseStatus(enum.StrEnum):
    OPEN = "open"  # the date has not passed: dunning of what it covers waits
    KEPT = "kept"  # paid in full by the date
    BROKEN = "broken"  # not paid in full by the date: dunning resumes, the salesperson is told


class FollowUpKind(enum.StrEnum):
    CALLED = "called"
    EMAILED = "emailed"
    VISITED = "visited"


class HoldSource(enum.StrEnum):
    DUNNING = "dunning"  # the dunning run reached a level that holds credit
    DECISION = "decision"  # an administrator or manager decided it


class DunningLevel(Model):
    """One step of the company's dunning: reached ``days`` after the due date, by ``channel``."""

    __tablename__ = "billing_dunning_level"
    __table_args__ = (UniqueConstraint("company_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    level: Mapped[int] = mapped_column()  # 1, 2, ... in order of days
    days: Mapped[int] = mapped_column()  # days past the due date
    channel: Mapped[DunningChannel] = mapped_column(enum_column(DunningChannel))
    tone: Mapped[NoticeTone] = mapped_column(enum_column(NoticeTone))
    holds_credit: Mapped[bool] = mapped_column(default=False)


class DunningNotice(Model):
    """A level reached by an invoice: sent (or given to the salesperson to call) once, ever."""

    __tablename__ = "billing_dunning_notice"
    __table_args__ = (
        UniqueConstraint("invoice_id", "level"),
        Index("ix_billing_dunning_notice_customer_sent_at", "customer_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoice.id"))
    level: Mapped[int] = mapped_column()
    channel: Mapped[DunningChannel] = mapped_column(enum_column(DunningChannel))
    days_overdue: Mapped[int] = mapped_column()
    owed: Mapped[Decimal] = mapped_column(Money())  # re-checked just before the notice was queued
    currency: Mapped[str] = mapped_column(String(3))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the run's as-of moment
    recipient: Mapped[str | None] = mapped_column(String(200))  # None: a call, or no email address on file

    invoice: Mapped[Invoice] = relationship(lazy="joined", viewonly=True)


class PaymentPromise(Model):
    """The customer promised to pay ``amount`` by ``promised_for``: of one invoice, or of their account."""

    __tablename__ = "billing_payment_promise"
    __table_args__ = (Index("ix_billing_payment_promise_company_status", "company_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    promised_for: Mapped[date] = mapped_column(Date)
    # What the promise covered was owing this much when it was made: kept once that is down by ``amount``.
    owed_at_promise: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[PromiseStatus] = mapped_column(enum_column(PromiseStatus), default=PromiseStatus.OPEN)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the run found it kept or broken

    customer: Mapped[Customer] = relationship(lazy="joined")
    made_by: Mapped[User] = relationship(lazy="joined")
    invoice: Mapped[Invoice | None] = relationship(lazy="joined", viewonly=True)


class FollowUp(Model):
    """A salesperson called, emailed or visited the customer about what they owe, and what came of it."""

    __tablename__ = "billing_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("billing_invoice.id"))
    kind: Mapped[FollowUpKind] = mapped_column(enum_column(FollowUpKind))
    outcome: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    by: Mapped[User] = relationship(lazy="joined")
    invoice: Mapped[Invoice | None] = relationship(lazy="joined", viewonly=True)


class CreditHold(Model):
    """The customer is on credit hold from ``placed_at`` until ``released_at``: no new orders pass review
    and their open orders are held out of production and dispatch."""

    __tablename__ = "billing_credit_hold"
    __table_args__ = (Index("ix_billing_credit_hold_customer_released_at", "customer_id", "released_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    source: Mapped[HoldSource] = mapped_column(enum_column(HoldSource))
    reason: Mapped[str] = mapped_column(Text)  # a manager's words; for dunning, the invoices that reached the level
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the dunning run
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    release_reason: Mapped[str | None] = mapped_column(Text)
