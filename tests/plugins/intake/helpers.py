"""Builders for intake's tests: an order as a clerk enters it, in the service's and the API's shape."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core.db import commit
from core.models import Channel, DeliveryMethod, Order
from plugins.intake import services
from tests import factories


def next_week() -> date:
    return date.today() + timedelta(days=7)


def order_data(world: factories.World, **overrides: Any) -> dict[str, Any]:
    """What a clerk enters: the first customer, two of P001 at list price."""
    data: dict[str, Any] = {
        "customer_id": world.customers[0].id,
        "channel": Channel.PHONE,
        "requested_date": next_week(),
        "delivery_method": DeliveryMethod.EXPRESS,
        "lines": [{"product_id": world.products[0].id, "quantity": 2}],
    }
    data.update(overrides)
    return data


def draft(world: factories.World, clerk: str = "sales", **overrides: Any) -> Order:
    order = services.create_draft(world.company, order_data(world, **overrides), world.users[clerk])
    commit()
    return order


def api_body(world: factories.World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": world.customers[0].id,
        "requested_date": next_week().isoformat(),
        "delivery_method": "express",
        "lines": [{"product_id": world.products[0].id, "quantity": "2"},
                  {"product_id": world.products[1].id, "quantity": "10", "unit_price": "8.00"}],
    }
    body.update(overrides)
    return body
