"""Order totals, computed in one place from the lines, in Decimal.

A saved order (``compute_totals``) and the order form's live figures (``quote``) go
through the same ``line_amounts`` and the same sums, so the screen never disagrees
with what is stored.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.models import Order, OrderLine
from core.models.types import MONEY_PLACES


def money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    """One line's amounts: net of tax, the tax, and both together."""

    net_amount: Decimal
    tax_amount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    """An order's subtotal (net), tax and total."""

    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def line_amounts(quantity: Decimal, unit_price: Decimal, tax_rate: Decimal) -> LineAmounts:
    """Net, tax and gross amount of one line; prices are net of tax."""
    net = money(Decimal(quantity) * Decimal(unit_price))
    tax = money(net * Decimal(tax_rate))
    return LineAmounts(net, tax, net + tax)


def totals(lines: Iterable[LineAmounts]) -> Totals:
    """The sums of the lines' amounts: each line is rounded first, the sums are exact."""
    rows = list(lines)
    subtotal = sum((line.net_amount for line in rows), Decimal("0.00"))
    tax_total = sum((line.tax_amount for line in rows), Decimal("0.00"))
    return Totals(subtotal, tax_total, subtotal + tax_total)


def compute_line(line: OrderLine) -> None:
    """Set one line's net, tax and gross amount."""
    amounts = line_amounts(line.quantity, line.unit_price, line.tax_rate)
    line.net_amount, line.tax_amount, line.amount = amounts.net_amount, amounts.tax_amount, amounts.amount


def compute_totals(order: Order) -> None:
    """Recompute every line and the order's subtotal, tax and total."""
    for line in order.lines:
        compute_line(line)
    sums = totals(LineAmounts(line.net_amount, line.tax_amount, line.amount) for line in order.lines)
    order.subtotal, order.tax_total, order.total = sums.subtotal, sums.tax_total, sums.total
