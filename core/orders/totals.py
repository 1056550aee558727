"""Order totals, computed in one place from the lines, in Decimal."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.models import Order, OrderLine
from core.models.types import MONEY_PLACES


def money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def compute_line(line: OrderLine) -> None:
    """Net, tax and gross amount of one line; prices are net of tax."""
    line.net_amount = money(Decimal(line.quantity) * Decimal(line.unit_price))
    line.tax_amount = money(line.net_amount * Decimal(line.tax_rate))
    line.amount = line.net_amount + line.tax_amount


def compute_totals(order: Order) -> None:
    """Recompute every line and the order's subtotal, tax and total."""
    for line in order.lines:
        compute_line(line)
    order.subtotal = sum((line.net_amount for line in order.lines), Decimal("0.00"))
    order.tax_total = sum((line.tax_amount for line in order.lines), Decimal("0.00"))
    order.total = order.subtotal + order.tax_total
