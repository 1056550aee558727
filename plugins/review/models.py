"""The review plugin's tables: each company's policy, the rounds and steps of each order's review,
the rules' findings, every person's decision, and the reminders and escalations of late steps.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.contracts import OverdueKind, Severity, StepPolicy, Verdict
from core.extensions import Model
from core.models import Order, User
from core.models.types import Quantity, UTCDateTime, enum_column, insert_sentinel, utcnow


class StepStatus(enum.StrEnum):
    WAITING = "waiting"  # an earlier step is still open
    OPEN = "open"  # the department may decide it now
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    CLOSED = "closed"  # the review ended before this step's turn came


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    CLOSED = "closed"  # the order was cancelled during the round


class StepDecision(enum.StrEnum):
    """What a reviewer decides about an open step."""

    APPROVE = "approve"
    REJECT = "reject"
    SEND_BACK = "send_back"


# --- each company's policy -------------------------------------------------------


class ReviewSettings(Model):
    """A company's review policy beyond its steps; no row: the defaults below."""

    __tablename__ = "review_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    # Whether the person who entered an order may approve its sales step.
    allow_self_approval: Mapped[bool] = mapped_column(default=False)
    # The largest discount off the list price a line may carry before the check blocks it.
    max_discount: Mapped[Decimal] = mapped_column(Numeric(5, 4, asdecimal=True), default=Decimal("0.2000"))


class ReviewStepConfig(Model):
    """One step of a company's review, as its administrator set it; no rows: the standard three."""

    __tablename__ = "review_step_config"
    __table_args__ = (UniqueConstraint("company_id", "department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    department: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    permission: Mapped[str] = mapped_column(String(120))
    sequence: Mapped[int]  # equal sequences: a parallel group
    hours: Mapped[int]
    policy: Mapped[StepPolicy] = mapped_column(enum_column(StepPolicy), default=StepPolicy.ANY)
    quorum: Mapped[int] = mapped_column(default=1)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    users: Mapped[list[int]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)


class ReviewReasonCode(Model):
    """A reason a company's reviewers may give for rejecting or sending back, labelled in both languages."""

    __tablename__ = "review_reason_code"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    label_en: Mapped[str] = mapped_column(String(200))
    label_zh: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class CapacityLine(Model):
    """A product line's production capacity: units per working day, its lead time and its products."""

    __tablename__ = "review_capacity_line"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(120))
    products: Mapped[list[str]] = mapped_column(JSON, default=list)  # product codes
    units_per_day: Mapped[Decimal] = mapped_column(Quantity())
    lead_days: Mapped[int] = mapped_column(default=0)  # working days from today to the earliest delivery


# --- an order's review -----------------------------------------------------------


class ReviewRound(Model):
    """One review of an order: the first at submission, another after each send-back."""

    __tablename__ = "review_round"
    __table_args__ = (UniqueConstraint("order_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    number: Mapped[int]
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus), default=RoundStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReviewStep(Model):
    """One department's step in one review round of an order."""

    __tablename__ = "review_step"
    __table_args__ = (
        Index("ix_review_step_order_round", "order_id", "round"),
        # The inbox lists a company's open steps due first (the decided ones, most of them, left aside).
        Index("ix_review_step_company_status_due", "company_id", "status", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lets SQLite insert a round's steps in one INSERT ... RETURNING (see ``core.models.types.insert_sentinel``).
    _sentinel: Mapped[int | None] = insert_sentinel()
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    round: Mapped[int]  # a sent-back order that is resubmitted is reviewed in a new round
    round_id: Mapped[int | None] = mapped_column(ForeignKey("review_round.id"), index=True)
    department: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    permission: Mapped[str] = mapped_column(String(120))
    sequence: Mapped[int]
    hours: Mapped[int]
    policy: Mapped[StepPolicy] = mapped_column(enum_column(StepPolicy), default=StepPolicy.ANY)
    quorum: Mapped[int] = mapped_column(default=1)
    required: Mapped[int] = mapped_column(default=1)  # approvals that satisfy the policy, fixed when it opens
    approvals: Mapped[int] = mapped_column(default=0)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    users: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[StepStatus] = mapped_column(enum_column(StepStatus), default=StepStatus.WAITING, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    # Late steps: how far up the chain the step went, and to whom.
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(default=0)
    escalated_to: Mapped[list[int]] = mapped_column(JSON, default=list)
    # A reviewer who cannot finish in time says why: the reminders stop.
    delay_reason: Mapped[str | None] = mapped_column(Text)
    delay_reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    delay_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Row version: two people deciding the same step resolve to one winner.
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    findings: Mapped[list[ReviewFinding]] = relationship(
        order_by="ReviewFinding.id", lazy="selectin", viewonly=True
    )
    decisions: Mapped[list[ReviewDecision]] = relationship(
        order_by="ReviewDecision.id", lazy="selectin", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    def is_late(self, now: datetime) -> bool:
        return self.status == StepStatus.OPEN and self.due_at is not None and self.due_at < now

    def __repr__(self) -> str:
        return f"<ReviewStep {self.order_id}/{self.round} {self.department} {self.status}>"


class ReviewFinding(Model):
    """What a review rule concluded about an order when its round opened."""

    __tablename__ = "review_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    round: Mapped[int]
    step_id: Mapped[int | None] = mapped_column(ForeignKey("review_step.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity), default=Severity.INFO)
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # what the finding is about
    # A blocking finding a manager let through, and why.
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    overridden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    override_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def blocks(self) -> bool:
        return self.severity == Severity.BLOCKING and self.overridden_at is None


class ReviewDecision(Model):
    """One person's decision on one step; never changed. One per person and step."""

    __tablename__ = "review_decision"
    __table_args__ = (UniqueConstraint("step_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("review_step.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decision: Mapped[StepDecision] = mapped_column(enum_column(StepDecision))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class ReviewNotice(Model):
    """A reminder, escalation or delay notice of a late step: sent once per step, level and kind."""

    __tablename__ = "review_notice"
    __table_args__ = (UniqueConstraint("step_id", "level", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("review_step.id"), index=True)
    level: Mapped[int]
    kind: Mapped[OverdueKind] = mapped_column(enum_column(OverdueKind))
    recipients: Mapped[list[int]] = mapped_column(JSON, default=list)  # user ids
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
