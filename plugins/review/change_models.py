"""Change requests of the review plugin: the "order change request form", its diff, impact, outcome, acknowledgement."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.models import Order, User
from core.models.types import Money, UTCDateTime, enum_column, utcnow


class ChangeStatus(enum.StrEnum):
    IN_REVIEW = "in_review"  # the departments' steps are deciding it
    APPLIED = "applied"  # every required step approved: the order is at the change's revision
    REJECTED = "rejected"  # a step (or a rule) rejected it: the order is untouched
    SENT_BACK = "sent_back"  # a step asked for more information: a new request replaces it
    CLOSED = "closed"  # the order was cancelled while it was reviewed


class RequestedVia(enum.StrEnum):
    PORTAL = "portal"
    API = "api"


class ChangeRequest(Model):
    """One change request of an order: what changes against which revision, and what became of it."""

    __tablename__ = "review_change_request"
    __table_args__ = (
        UniqueConstraint("order_id", "sequence"),
        Index("ix_review_change_request_order_status", "order_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    sequence: Mapped[int]  # 1, 2, ... per order: the form's number reads "<order>-C<sequence>"
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus), default=ChangeStatus.IN_REVIEW)
    base_revision: Mapped[int]  # the order's revision the diff is against
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # Whether the customer's own people asked (their portal user or token) or staff did for them.
    by_customer: Mapped[bool] = mapped_column(default=False)
    via: Mapped[RequestedVia] = mapped_column(enum_column(RequestedVia))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    # The typed diff: line changes ({line_no, product_id, quantity, unit_price, specification, remove})
    # and the header's new values; and, beside it, every field that moves with its old and new value.
    line_changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_date: Mapped[date | None] = mapped_column(Date)
    delivery_method: Mapped[str | None] = mapped_column(String(24))
    payment_terms: Mapped[str | None] = mapped_column(String(24))
    diff: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The impact, fixed when the request is recorded.
    old_total: Mapped[Decimal] = mapped_column(Money())
    new_subtotal: Mapped[Decimal] = mapped_column(Money())
    new_tax_total: Mapped[Decimal] = mapped_column(Money())
    new_total: Mapped[Decimal] = mapped_column(Money())
    price_difference: Mapped[Decimal] = mapped_column(Money())
    # The delivery date the reviewers promise if the change applies (their answer on its impact).
    promised_date: Mapped[date | None] = mapped_column(Date)
    promised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The review round of the order's steps that decides it.
    round: Mapped[int | None]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    applied_revision: Mapped[int | None]
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Row version: two acknowledgements (or decisions) of one change resolve to one winner.
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    promised_by: Mapped[User | None] = relationship(foreign_keys=[promised_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def number(self) -> str:
        return f"{self.order.display_number}-C{self.sequence}"

    @property
    def new_revision(self) -> int:
        return self.base_revision + 1

    def __repr__(self) -> str:
        return f"<ChangeRequest {self.order_id}/{self.sequence} {self.status}>"
