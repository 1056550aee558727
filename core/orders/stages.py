"""The order's status bar: the steps an order goes through, from the stages pinned on it.

草稿 → 审核中 → 已通过 → 生产中 → 已发货 → 已签收 → 已完成: "in review" only when
the review stage is pinned on the order (without it, submission approves at
once), "in production" and "shipped" only with logistics (without it, the order
is marked delivered from approved). A rejected or cancelled order ends where it
stopped, with that status as its last step.

"In production" is the one step that is not an order status: an approved order
stays ``approved`` until it ships. It is reached when a plugin pinned on the
order says through ``execution_started`` that work on the goods has begun
(logistics: a shipment of the order was prepared), and then it is the current
step while ``approved`` is done.

The page's ``status_bar`` macro (``templates/macros.html``) draws these steps.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from flask_babel import gettext as _

from core.contracts import Stage
from core.extensions import db
from core.labels import label
from core.models import AuditEntry, Order, OrderStatus
from core.modules import hooks_for_order, order_has_stage
from core.orders.events import OrderEvent

S = OrderStatus
IN_PRODUCTION = "in_production"  # the step's key: between approved and shipped, not a status


class StepState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class Step:
    """One step of the bar: the status (None for "in production"), its label, and where the order is."""

    status: OrderStatus | None
    label: str
    state: StepState
    stopped: bool = False  # the order ended here without finishing (rejected, cancelled)

    @property
    def key(self) -> str:
        return self.status.value if self.status is not None else IN_PRODUCTION


Milestone = OrderStatus | str  # a status, or IN_PRODUCTION


def path_of(order: Order) -> list[Milestone]:
    """The steps a finishing order passes through under the stages pinned on it."""
    path: list[Milestone] = [S.DRAFT]
    if order_has_stage(order, Stage.REVIEW):
        path.append(S.SUBMITTED)
    path.append(S.APPROVED)
    if order_has_stage(order, Stage.LOGISTICS):
        path += [IN_PRODUCTION, S.SHIPPED]
    return [*path, S.DELIVERED, S.COMPLETED]


def execution_started(order: Order) -> bool:
    """Whether a plugin pinned on the order says work on its goods has begun (``execution_started``)."""
    return any(hooks_for_order(order).execution_started(order=order))


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
    if order.status == S.APPROVED and IN_PRODUCTION in path and execution_started(order):
        current = path.index(IN_PRODUCTION)
    return [
        _step(milestone,
              StepState.DONE if index < current else StepState.CURRENT if index == current else StepState.UPCOMING)
        for index, milestone in enumerate(path)
    ]


def _step(milestone: Milestone, state: StepState) -> Step:
    if isinstance(milestone, OrderStatus):
        return Step(milestone, label(milestone), state)
    return Step(None, _("In production"), state)


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


def _done(milestones: list[Milestone]) -> list[Step]:
    return [_step(milestone, StepState.DONE) for milestone in milestones]
