"""The order's status bar: the steps an order goes through, from the stages pinned on it.

草稿 → 审核中 → 已通过 → 生产中 → 已发货 → 已签收 → 已完成: "in review" only when
the review stage is pinned on the order (without it, submission approves at
once), "in production" and "shipped" only with logistics (without it, the order
is marked delivered from approved). A rejected or cancelled order ends where it
stopped, with that status as its last step.

Every step is an order status. An order with nothing to produce ships from
``approved``: its "in production" step is then shown done along with the rest
it went past.

The page's ``status_bar`` macro (``templates/macros.html``) draws these steps.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from core.contracts import Stage
from core.extensions import db
from core.labels import label
from core.models import AuditEntry, Order, OrderStatus
from core.modules import order_has_stage
from core.orders.events import OrderEvent

S = OrderStatus


class StepState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class Step:
    """One step of the bar: the status, its label, and where the order is."""

    status: OrderStatus
    label: str
    state: StepState
    stopped: bool = False  # the order ended here without finishing (rejected, cancelled)

    @property
    def key(self) -> str:
        return self.status.value


def path_of(order: Order) -> list[OrderStatus]:
    """The steps a finishing order passes through under the stages pinned on it."""
    path: list[OrderStatus] = [S.DRAFT]
    if order_has_stage(order, Stage.REVIEW):
        path.append(S.SUBMITTED)
    path.append(S.APPROVED)
    if order_has_stage(order, Stage.LOGISTICS):
        path += [S.IN_PRODUCTION, S.SHIPPED]
    return [*path, S.DELIVERED, S.COMPLETED]


def status_steps(order: Order) -> list[Step]:
    """The order's steps, oldest first: done, the current one, then what is still to come."""
    path = path_of(order)
    if order.status == S.REJECTED:  # only review rejects: the order stopped in review
        reached = path[:path.index(S.SUBMITTED) + 1] if S.SUBMITTED in path else path[:1]
        return _done(reached) + [Step(S.REJECTED, label(S.REJECTED), StepState.CURRENT, stopped=True)]
    if order.status == S.CANCELLED:
        left_from = cancelled_from(order)
        reached = path[:path.index(left_from) + 1] if left_from in path else path[:1]
        return _done(reached) + [Step(S.CANCELLED, label(S.CANCELLED), StepState.CURRENT, stopped=True)]
    if order.status not in path:  # a status this stage set does not pass through: show it alone
        return [Step(order.status, label(order.status), StepState.CURRENT)]
    current = path.index(order.status)
    return [
        _step(status,
              StepState.DONE if index < current else StepState.CURRENT if index == current else StepState.UPCOMING)
        for index, status in enumerate(path)
    ]


def _step(status: OrderStatus, state: StepState) -> Step:
    return Step(status, label(status), state)


def cancelled_from(order: Order) -> OrderStatus:
    """The status a cancelled order was in when it was cancelled, from its audit entry."""
    before = db.session.execute(
        select(AuditEntry.before).where(AuditEntry.order_id == order.id, AuditEntry.entity == "order",
                                        AuditEntry.action == OrderEvent.CANCEL.value)
        .order_by(AuditEntry.id.desc()).limit(1)
    ).scalar()
    try:
        return S((before or {}).get("status", S.DRAFT))
    except ValueError:
        return S.DRAFT


def _done(statuses: list[OrderStatus]) -> list[Step]:
    return [_step(status, StepState.DONE) for status in statuses]
