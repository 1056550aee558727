"""A test helper that places orders and decides review steps, as the people at the desk would.

Orders are built with the core's models and submitted through the core's state
machine, exactly as intake submits them (so these tests do not depend on how
intake's pages evolve); the reviewers decide through review's API.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core.db import commit
from core.extensions import db
from core.models import Channel, DeliveryMethod, Order, OrderLine
from core.orders import events, compute_totals
from plugins.review.models import ReviewStep
from tests import factories


@dataclass
class Desk:
    """Places orders as the clerk and decides review steps as any role, through the API."""

    app: Any
    world: factories.World
    clients: dict[str, factories.ApiClient] = field(default_factory=dict)
    numbered: int = 0
    # Who enters the orders: customer service, so that sales may approve their sales step.
    clerk: str = "customer_service"

    def api(self, role: str) -> factories.ApiClient:
        if role not in self.clients:
            self.clients[role] = factories.ApiClient(self.app, self.world.users[role])
        return self.clients[role]

    def draft(self, *lines: tuple[str, str, str], customer: int = 0, requested_date: date | None = None) -> int:
        """A draft order as intake enters it; each line is (product code, quantity, unit price)."""
        products = {p.code: p for p in self.world.products}
        buyer = self.world.customers[customer]
        order = Order(
            company_id=self.world.company.id, channel=Channel.PHONE, customer_id=buyer.id,
            contact=buyer.contact, delivery_address=buyer.address,
            requested_date=requested_date or date.today() + timedelta(days=14),
            payment_terms=buyer.payment_terms, delivery_method=DeliveryMethod.FREIGHT,
            currency=self.world.company.currency, created_by_id=self.world.users[self.clerk].id,
        )
        for number, (code, quantity, price) in enumerate(lines or [("P001", "10", "120.00")], start=1):
            product = products[code]
            order.lines.append(OrderLine(
                line_no=number, product_id=product.id, product=product, description=product.name,
                unit=product.unit, quantity=Decimal(quantity), unit_price=Decimal(price),
                tax_rate=product.tax_rate))
        compute_totals(order)
        db.session.add(order)
        commit()
        return order.id

    def submit(self, order_id: int) -> Order:
        """Number the draft (once) and submit it, as intake does."""
        order = self.order(order_id)
        if not order.number:
            self.numbered += 1
            order.number = f"SO{date.today():%Y%m%d}-{self.numbered:04d}"
        events.submit(order, actor=self.world.users["sales"])
        commit()
        return order

    def place(self, *lines: tuple[str, str, str], **kwargs: Any) -> int:
        """Draft and submit an order; returns its id."""
        order_id = self.draft(*lines, **kwargs)
        self.submit(order_id)
        return order_id

    def reviews(self, order_id: int, role: str = "supervisor") -> list[dict]:
        """The order's review steps of every round, as the API lists them."""
        response = self.api(role).get(f"/api/v1/orders/{order_id}/reviews")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def step(self, order_id: int, department: str, round_: int | None = None) -> dict:
        steps = self.reviews(order_id)
        wanted = round_ or max(s["round"] for s in steps)
        return next(s for s in steps if s["department"] == department and s["round"] == wanted)

    def decide(self, role: str, order_id: int, department: str, decision: str, reason: str | None = None,
               **extra: Any):
        step = self.step(order_id, department)
        if decision != "approve" and reason:
            extra.setdefault("reason_code", "other")  # the reasons' code; tests of the codes give their own
        body = {"decision": decision, **({"reason": reason} if reason is not None else {}), **extra}
        return self.api(role).post(f"/api/v1/reviews/{step['id']}/decision", json=body)

    def order(self, order_id: int) -> Order:
        db.session.expire_all()
        return db.session.get(Order, order_id)

    def steps(self, order_id: int) -> list[ReviewStep]:
        db.session.expire_all()
        return list(db.session.execute(
            db.select(ReviewStep).where(ReviewStep.order_id == order_id)
            .order_by(ReviewStep.round, ReviewStep.sequence)).scalars())
