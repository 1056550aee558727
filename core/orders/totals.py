"""Order totals, computed in one place from the lines, in Decimal."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.models import Order, OrderLine
from core.models.types import MONEY_PLACES


def money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def line_amounts(quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Net, tax and gross amount of a line of ``quantity`` at ``unit_price``; prices are net of tax."""
    net = money(Decimal(quantity) * Decimal(unit_price))
    tax = money(net * Decimal(tax_rate))
    return net, tax, net + tax


def compute_line(line: OrderLine) -> None:
    """Net, tax and gross amount of one line."""
    line.net_amount, line.tax_amount, line.amount = line_amounts(line.quantity, line.unit_price, line.tax_rate)


def compute_totals(order: Order) -> None:
    """Recompute every line and the order's subtotal, tax and total."""
    for line in order.lines:
        compute_line(line)
    order.subtotal = sum((line.net_amount for line in order.lines), Decimal("0.00"))
    order.tax_total = sum((line.tax_amount for line in order.lines), Decimal("0.00"))
    order.total = order.subtotal + order.tax_total
