"""The review plugin's tables: the steps of each review round and the rules' findings."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.contracts import Verdict
from core.extensions import Model
from core.models import Order, User
from core.models.types import UTCDateTime, enum_column


class StepStatus(enum.StrEnum):
    WAITING = "waiting"  # an earlier step is still open
    OPEN = "open"  # the department may decide it now
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    CLOSED = "closed"  # the review ended before this step's turn came


class ReviewStep(Model):
    """One department's step in one review round of an order."""

    __tablename__ = "review_step"
    __table_args__ = (Index("ix_review_step_order_round", "order_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    round: Mapped[int]  # a sent-back order that is resubmitted is reviewed in a new round
    department: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    permission: Mapped[str] = mapped_column(String(120))
    sequence: Mapped[int]
    hours: Mapped[int]
    status: Mapped[StepStatus] = mapped_column(enum_column(StepStatus), default=StepStatus.WAITING, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # Row version: two people deciding the same step resolve to one winner.
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship()
    decided_by: Mapped[User | None] = relationship()
    findings: Mapped[list[ReviewFinding]] = relationship(
        order_by="ReviewFinding.id", lazy="selectin", viewonly=True
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
    step_id: Mapped[int | None] = mapped_column(ForeignKey("review_step.id"))
    rule: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # what the finding is about
