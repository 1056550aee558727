"""A company with stock switched on, one default warehouse filled by receipts through the API."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories
from tests.flows import Flow


@pytest.fixture
def world(app) -> factories.World:
    return factories.build_world(app, modules={"stock": True})


@pytest.fixture
def flow(app, world) -> Flow:
    return Flow(app, world)


@pytest.fixture
def receive(flow):
    """Receive a quantity of a product (the world's first by default) through the API; the move."""
    def receive(quantity: str, product=None, **extra) -> dict:
        product = product or flow.world.products[0]
        return flow.ok(flow.api["logistics"].post("/api/v1/stock/receipts", json={
            "product_id": product.id, "quantity": quantity, **extra}), 201)
    return receive


@pytest.fixture
def stock_of(flow):
    """What the API says of a product: on hand, reserved, available, quarantine as Decimals."""
    def stock_of(product=None) -> dict[str, Decimal]:
        product = product or flow.world.products[0]
        found = flow.ok(flow.api["sales"].get(f"/api/v1/products/{product.id}/availability"))
        return {key: Decimal(found[key]) for key in ("on_hand", "reserved", "available", "quarantine")}
    return stock_of
