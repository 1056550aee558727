"""The confidential violation channel's rows: a report by a staff member and the supervisors' follow-ups.

Who reported is kept here only: the audit log records that a report was made, by nobody it names.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Order, User
from core.models.types import UTCDateTime, enum_column, utcnow


class ViolationStatus(enum.StrEnum):
    OPEN = "open"  # reported, nobody has looked yet
    INVESTIGATING = "investigating"  # a supervisor followed it up
    SUBSTANTIATED = "substantiated"  # closed: the violation happened (the reporter earns the reward)
    UNFOUNDED = "unfounded"  # closed: it did not


CLOSED = (ViolationStatus.SUBSTANTIATED, ViolationStatus.UNFOUNDED)


class ViolationReport(Model):
    __tablename__ = "kpi_violation_report"
    __table_args__ = (Index("ix_kpi_violation_report_company_id_id", "company_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[ViolationStatus] = mapped_column(enum_column(ViolationStatus), default=ViolationStatus.OPEN)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined")
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id], lazy="joined")
    order: Mapped[Order | None] = relationship(lazy="joined")
    follow_ups: Mapped[list[ViolationFollowUp]] = relationship(
        back_populates="report", order_by="ViolationFollowUp.id", lazy="selectin")


class ViolationFollowUp(Model):
    """What a supervisor did about a report, in order."""

    __tablename__ = "kpi_violation_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("kpi_violation_report.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text)

    report: Mapped[ViolationReport] = relationship(back_populates="follow_ups")
    author: Mapped[User] = relationship(lazy="joined")


class MonthlyReport(Model):
    """The supervision report of one month in one language, made once: the unique key is what keeps a
    second run (another worker, the CLI) from making or emailing it again."""

    __tablename__ = "kpi_monthly_report"
    __table_args__ = (UniqueConstraint("company_id", "month", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    month: Mapped[date] = mapped_column(Date)  # its first day
    locale: Mapped[str] = mapped_column(String(10))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

