"""An app with intake and kpi only, so the core's fallbacks approve on submission and
complete on delivery, and a helper that drives an order through the core."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.db import commit, flush
from core.extensions import db
from core.models import utcnow, Channel, DeliveryMethod, Order, OrderLine, PaymentTerms
from core.orders import events
from core.orders.totals import compute_totals
from plugins.intake.manifest import MANIFEST as INTAKE
from plugins.kpi.facts import recording
from plugins.kpi.facts.models import KpiEvent, KpiEventKind
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
