"""Incidents on orders and tasks, each plan's at-risk state, the notices of new dates, and the company's setting."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Order, User
from core.models.types import UTCDateTime, enum_column, utcnow
from plugins.logistics.execution.models import ExecutionTask, Hours


class IncidentKind(enum.StrEnum):
    """What happened, as the procedure names the usual causes of a delay."""

    MATERIAL_SHORTAGE = "material_shortage"  # 缺料
    EQUIPMENT_FAILURE = "equipment_failure"  # 设备故障
    TRANSPORT_DELAY = "transport_delay"  # 运输延误
    QUALITY_PROBLEM = "quality_problem"  # 质量问题
    OTHER = "other"


class IncidentStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class NoticeStatus(enum.StrEnum):
    PENDING = "pending"  # waits for the salesperson's confirmation
    SENT = "sent"  # queued in the outbox (or noted: the customer has no email address)
    WITHDRAWN = "withdrawn"  # a later date replaced it, or the plan recovered, before it was sent


class Incident(Model):
    """Something that holds an order's execution up, on the order or on one of its tasks."""

    __tablename__ = "logistics_incident"
    __table_args__ = (Index("ix_logistics_incident_order_status", "order_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("logistics_task.id", ondelete="SET NULL"))
    kind: Mapped[IncidentKind] = mapped_column(enum_column(IncidentKind))
    delay_hours: Mapped[Decimal] = mapped_column(Hours())  # the expected delay, in working hours
    description: Mapped[str] = mapped_column(Text)  # internal: never shown to the customer
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus), default=IncidentStatus.OPEN)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship(lazy="joined")
    task: Mapped[ExecutionTask | None] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="joined")
    escalations: Mapped[list[IncidentEscalation]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN

    @property
    def escalated_to(self) -> list[int]:
        return sorted(row.user_id for row in self.escalations)


class IncidentEscalation(Model):
    """A manager an incident was escalated to: it is in their inbox while it is open."""

    __tablename__ = "logistics_incident_escalation"

    incident_id: Mapped[int] = mapped_column(ForeignKey("logistics_incident.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)

    incident: Mapped[Incident] = relationship(back_populates="escalations")


class PlanRisk(Model):
    """Whether a confirmed plan can still make its promised date, as the last sweep found it."""

    __tablename__ = "logistics_plan_risk"
    __table_args__ = (UniqueConstraint("plan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("logistics_plan.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    at_risk: Mapped[bool] = mapped_column(default=False)
    expected_date: Mapped[date | None] = mapped_column(Date)  # the date it can meet, while at risk
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # incident kinds holding it up
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class RiskNotice(Model):
    """The customer's notice of a plan's new expected date: one per plan and date, whatever runs at once."""

    __tablename__ = "logistics_risk_notice"
    __table_args__ = (UniqueConstraint("plan_id", "expected_date"),
                      Index("ix_logistics_risk_notice_company_status", "company_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("logistics_plan.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    promised_date: Mapped[date] = mapped_column(Date)
    expected_date: Mapped[date] = mapped_column(Date)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # incident kinds, told by their labels
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus), default=NoticeStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    message: Mapped[str | None] = mapped_column(Text)  # the salesperson's words to the customer, if any
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class RiskSettings(Model):
    """A company's choice: notify customers of a new date at once, or after the salesperson confirms it."""

    __tablename__ = "logistics_risk_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    notify_at_once: Mapped[bool] = mapped_column(default=False)
