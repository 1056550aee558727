"""Driving an order through whatever stages its company has on, by the public API only."""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from flask import Flask

from tests import factories
from tests.factories import World

STAGES = ("review", "logistics", "billing", "kpi")
REFERENCES = itertools.count(1)
# The sales clerk enters the orders and may not approve their sales step: the administrator does.
DECIDERS = {"sales": "administrator", "finance": "finance", "production": "production", "manager": "manager"}
# The execution template of a company with logistics: material, then production, then packing.
EXECUTION_TASKS = [
    {"key": "material", "name": "备料", "kind": "preparation", "role": "production", "hours": "4"},
    {"key": "make", "name": "生产", "kind": "production", "role": "production", "hours": "8",
     "depends_on": ["material"]},
    {"key": "pack", "name": "包装", "kind": "packing", "role": "logistics", "hours": "2",
     "depends_on": ["make"]},
]


class Flow:
    """One API client per role of a world, and the steps an order takes."""

    def __init__(self, app: Flask, world: World) -> None:
        self.world = world
        self.api = {role: factories.ApiClient(app, user) for role, user in world.users.items()}

    def ok(self, response, status: int = 200) -> dict:
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
        return response.get_json()

    def create(self, *, customer=None, payment_terms: str = "cash_on_delivery", days: int = 14,
               lines: list[dict] | None = None) -> dict:
        customer = customer or self.world.customers[0]
        body = {
            "customer_id": customer.id, "channel": "phone", "payment_terms": payment_terms,
            "requested_date": (date.today() + timedelta(days=days)).isoformat(), "delivery_method": "freight",
            "lines": lines or [{"product_id": self.world.products[0].id, "quantity": "10"}],
            # Each flow's order is a distinct one from the channel: not a duplicate of the last.
            "source_reference": f"flow-{next(REFERENCES)}",
        }
        return self.ok(self.api["sales"].post("/api/v1/orders", json=body), 201)

    def submit(self, order: dict) -> dict:
        # The clerk confirms the checks' warnings: orders priced under the floor are meant for review's rules.
        return self.ok(self.api["sales"].post(f"/api/v1/orders/{order['id']}/submit", json={"confirm_warnings": True}))

    def get(self, order: dict) -> dict:
        return self.ok(self.api["administrator"].get(f"/api/v1/orders/{order['id']}"))

    def open_steps(self, order: dict) -> list[dict]:
        steps = self.ok(self.api["administrator"].get(f"/api/v1/orders/{order['id']}/reviews"))
        return [step for step in steps if step["status"] == "open"]

    def approve_review(self, order: dict) -> None:
        for _ in range(10):
            steps = self.open_steps(order)
            if not steps:
                return
            step = steps[0]
            client = self.api[DECIDERS.get(step["department"], "administrator")]
            self.ok(client.post(f"/api/v1/reviews/{step['id']}/decision",
                                json={"decision": "approve", "reason": "ok"}))
        raise AssertionError("the review did not end")

    def deliver(self, order: dict, *, logistics: bool) -> None:
        if logistics:
            shipment = self.ok(self.api["logistics"].post(f"/api/v1/orders/{order['id']}/shipments",
                                                          json={"carrier": "顺丰速运", "tracking_number": "SF1"}), 201)
            self.ok(self.api["logistics"].post(f"/api/v1/shipments/{shipment['id']}/dispatch"))
            self.ok(self.api["customer_service"].post(f"/api/v1/shipments/{shipment['id']}/acceptance",
                                                      json={"signed_by": "王海", "rating": 5}))
        else:
            self.ok(self.api["logistics"].post(f"/api/v1/orders/{order['id']}/mark-delivered",
                                               json={"signed_by": "王海"}))

    def plan_execution(self) -> None:
        """The company's execution template, made once by the administrator: material, production, packing."""
        admin = self.api["administrator"]
        if self.ok(admin.get("/api/v1/execution-templates")):
            return
        self.ok(admin.post("/api/v1/execution-templates", json={"code": "STD", "name": "标准产品", "is_default": True,
                                                                 "tasks": EXECUTION_TASKS}), 201)

    def execute(self, order: dict) -> dict:
        """Confirm the order's plan and do its tasks, each as the person responsible; returns the plan."""
        plan = self.ok(self.api["production"].post(f"/api/v1/orders/{order['id']}/execution/confirm",
                                                   json={"accept_late": True}))
        roles = {user.id: role for role, user in self.world.users.items()}
        for task in plan["tasks"]:
            client = self.api[roles[task["assignee"]["id"]]]
            self.ok(client.post(f"/api/v1/milestones/{task['id']}/complete", json={"note": "完成"}))
        return plan

    def pay_in_full(self, order: dict) -> dict:
        total = self.get(order)["total"]
        return self.ok(self.api["finance"].post("/api/v1/payments", json={
            "order_id": order["id"], "amount": total, "method": "bank_transfer"}), 201)

    def run(self, stages: set[str]) -> dict:
        """Entry to the end, through the stages given; returns the final order.

        With logistics the order's plan is confirmed and worked: its production task puts it into production.
        """
        if "logistics" in stages:
            self.plan_execution()
        order = self.submit(self.create())
        if "review" in stages:
            assert order["status"] == "submitted"
            self.approve_review(order)
        assert self.get(order)["status"] == "approved"
        if "logistics" in stages:
            self.execute(order)
            assert self.get(order)["status"] == "in_production"
        self.deliver(order, logistics="logistics" in stages)
        if "billing" in stages:
            assert self.get(order)["status"] == "delivered"
            self.pay_in_full(order)
        return self.get(order)


def fifty_products(app: Flask) -> tuple[World, Flow]:
    """The demo world with 50 products, for orders of 1 line and of 50, and a Flow through its API: what a
    test needs to show that a request's statement count does not grow with an order's lines. Call it in the
    app's context; the requests measured are sent outside it, each with a session of its own as served."""
    world = factories.build_world(app)
    world.products += [factories.product(world.company, f"Q{n:03d}", f"零件 {n}", list_price=Decimal("3.00"),
                                         floor_price=Decimal("1.00")) for n in range(50 - len(world.products))]
    return world, Flow(app, world)
