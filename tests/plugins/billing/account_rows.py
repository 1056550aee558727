"""A customer's open invoices written by hand, in bulk, for the account's tests: what each owes and when it
falls due are known, so its totals can be summed by hand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.db import commit
from plugins.billing.dates import company_today
from tests.factories import World
from tests.plugins.billing.ageing_rows import open_invoices


@dataclass(frozen=True)
class Owing:
    invoice_id: int
    due_date: date
    owed: Decimal


def owing_invoices(world: World, count: int, start: int = 0, customer: int = 0) -> list[Owing]:
    """``count`` open invoices of the customer, the ``start``-th onwards: every third is past due (by 10 days
    and more), the others due later; each issued for 100 plus its number, every fourth half paid since."""
    today = company_today(world.company.id)
    specs = []
    expected = []
    for n in range(start, start + count):
        due = today - timedelta(days=10 + n) if n % 3 == 0 else today + timedelta(days=n + 1)
        issued = Decimal(100 + n) + Decimal(n % 100) / 100
        posted = [(today - timedelta(days=40), f"{issued:.2f}")]
        if n % 4 == 0:
            posted.append((today - timedelta(days=5), f"{-issued / 2:.2f}"))
        specs.append((customer, "sales", due, posted))
        expected.append((due, sum((Decimal(amount) for _day, amount in posted), Decimal("0.00"))))
    ids = open_invoices(world, specs)
    commit()
    return [Owing(invoice_id, due, owed) for invoice_id, (due, owed) in zip(ids, expected, strict=True)]
