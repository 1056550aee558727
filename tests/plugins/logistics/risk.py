"""Confirmed plans, incidents and outbox reads for the incidents and at-risk tests."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import Company, Order, OutboxMessage
from plugins.logistics.execution import services as execution
from plugins.logistics.execution.models import ExecutionPlan
from plugins.logistics.incidents.models import PlanRisk, RiskNotice
from tests import orders


def confirmed_order(world, customer: int = 0, **kwargs) -> Order:
    """An order approved at submission whose plan (from the template the test made) is confirmed."""
    order = orders.submitted(world, customer=world.customers[customer], **kwargs)
    commit()
    plan = execution.plan_of(order)
    execution.confirm_plan(plan, world.users["production"], accept_late=True)
    commit()
    return order


def plan(order: Order) -> ExecutionPlan:
    found = execution.plan_of(order)
    assert found is not None
    return found


def risk(order: Order) -> PlanRisk | None:
    db.session.expire_all()
    return db.session.execute(select(PlanRisk).where(PlanRisk.order_id == order.id)).scalar_one_or_none()


def notices(order: Order) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(n.expected_date.isoformat(), n.status.value) for n in db.session.execute(
        select(RiskNotice).where(RiskNotice.order_id == order.id).order_by(RiskNotice.id)).scalars()]


def mail(order: Order) -> list[OutboxMessage]:
    return list(db.session.execute(select(OutboxMessage).where(
        OutboxMessage.kind == "logistics.delay_notice", OutboxMessage.order_id == order.id)
        .order_by(OutboxMessage.id)).scalars())


def company(world) -> Company:
    return db.session.get_one(Company, world.company.id)


def after_the_deadline(order: Order) -> datetime:
    """A moment a day after the plan's deadline: nothing done, the plan can no longer make it."""
    return plan(order).deadline + timedelta(days=1)
