"""An app with intake and kpi only, so the core's fallbacks approve on submission and
complete on delivery, and a helper that drives an order through the core."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete

from core.db import commit, flush
from core.extensions import db
from core.models import utcnow, Channel, DeliveryMethod, Order, OrderLine, PaymentTerms
from core.orders import events
from core.orders.totals import compute_totals
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.kpi.facts import recording
from plugins.kpi.facts.models import KpiEvent, KpiEventKind, KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage
from plugins.kpi.facts.recording import OrderRef
from plugins.kpi.manifest import MANIFEST as KPI
from tests.factories import World

_numbers = itertools.count(1)


@pytest.fixture
def app(make_app):
    app = make_app(plugins=[INTAKE, KPI])
    with app.app_context():
        yield app


def record(order: Order, kind: KpiEventKind, amount: Decimal | None = None, *, at: datetime) -> KpiEvent:
    """Write one stage-event fact of ``order`` at a chosen moment, as its listener would."""
    model, values = recording.event_fact(OrderRef.of(order), kind, at, order.submitted_at, amount)
    fact = KpiEvent(**values)
    db.session.add(fact)
    return fact


def submit_order(world: World, quantity: str = "10", received_hours_ago: int = 0) -> Order:
    """Enter an order of P001 for the first customer and submit it, as a sales clerk would."""
    product = world.products[0]
    order = Order(
        company_id=world.company.id,
        number=f"SO-KPI-{next(_numbers):04d}",
        channel=Channel.PHONE,
        customer_id=world.customers[0].id,
        requested_date=date.today() + timedelta(days=14),
        payment_terms=PaymentTerms.CASH_ON_DELIVERY,
        delivery_method=DeliveryMethod.EXPRESS,
        created_by_id=world.users["sales"].id,
        received_at=utcnow() - timedelta(hours=received_hours_ago),
    )
    order.lines.append(OrderLine(line_no=1, product_id=product.id, description=product.name,
                                 unit=product.unit, quantity=Decimal(quantity),
                                 unit_price=product.list_price, tax_rate=product.tax_rate))
    compute_totals(order)
    db.session.add(order)
    flush()
    events.submit(order, actor=world.users["sales"])
    commit()
    return order


@pytest.fixture
def facts(world) -> dict[str, Any]:
    """Four orders whose live facts are replaced by hand-made ones (times in the company's zone)."""
    orders = [submit_order(world) for _ in range(4)]
    for model in (KpiEvent, KpiTask, KpiOrder, KpiMoney):
        db.session.execute(delete(model))
    zone = world.company.zone
    sales, finance = world.users["sales"].id, world.users["finance"].id
    c1, c2 = world.customers[0].id, world.customers[1].id
    company = world.company.id

    def at(month: int, day: int, hour: int = 10) -> datetime:
        return datetime(2026, month, day, hour, tzinfo=zone)

    def task(order: int, department: str, person: int, done: datetime, due: datetime | None) -> dict[str, Any]:
        return {"company_id": company, "order_id": orders[order].id, "stage": TaskStage.INTAKE if department ==
                "sales" else TaskStage.REVIEW, "department": department, "person_id": person,
                "arrived_at": done.replace(hour=1), "due_at": due, "done_at": done,
                "on_time": None if due is None else done <= due,
                "seconds": int((done - done.replace(hour=1)).total_seconds())}

    db.session.add_all(KpiTask(**values) for values in [
        task(0, "sales", sales, at(3, 2), at(3, 2, 12)),  # on time
        task(1, "sales", sales, at(3, 5), at(3, 5, 12)),  # on time
        task(2, "sales", sales, at(3, 9, 15), at(3, 9, 12)),  # late
        task(0, "finance", finance, at(3, 3), at(3, 3, 11)),  # on time
        task(1, "finance", finance, at(3, 6), None),  # no limit: neither
        task(3, "sales", sales, at(2, 27), at(2, 26)),  # late, but in February
    ])

    def delivered(order: int, customer: int, corrections: int = 0, refused: int = 0,
                  rating: int | None = None) -> KpiOrder:
        return KpiOrder(company_id=company, order_id=orders[order].id, customer_id=customer, salesperson_id=sales,
                        delivered_at=at(3, 10 + order), corrections=corrections, refused_lines=refused,
                        reserved_lines=0, accurate=not (corrections or refused), rating=rating)

    db.session.add_all([delivered(0, c1, rating=5), delivered(1, c1, corrections=1, rating=4), delivered(2, c1),
                        delivered(3, c2, refused=1, rating=2)])

    def money(order: int, customer: int, kind: MoneyKind, amount: str, when: datetime) -> KpiMoney:
        return KpiMoney(company_id=company, order_id=orders[order].id, customer_id=customer, salesperson_id=sales,
                        kind=kind, amount=Decimal(amount), at=when)

    due, paid = MoneyKind.DUE, MoneyKind.COLLECTED
    db.session.add_all([
        money(0, c1, due, "1000.00", at(2, 20)),  # due before March
        money(0, c1, paid, "200.00", at(2, 25)),  # collected before March
        money(1, c1, due, "3000.00", at(3, 15, 0)),
        money(1, c1, paid, "3000.00", at(3, 16)),
        money(1, c1, paid, "-500.00", at(3, 20)),  # a reversal
        money(3, c2, due, "1000.00", at(3, 31, 0)),
        money(2, c1, due, "9999.00", at(4, 1, 0)),  # due after March: not counted
    ])
    commit()
    return {"c1": c1, "c2": c2, "sales": sales, "finance": finance}
