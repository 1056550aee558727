"""Invoices with open items written by hand, in bulk: a set whose ageing is known, or thousands of them."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import insert

from core.extensions import db
from core.models import OrderStatus
from plugins.billing.receivables.models import EntryKind, OpenItemEntry
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from tests import orders
from tests.factories import World

# (customer index, salesperson's role or None, due date, [(posted on, amount), ...])
Spec = tuple[int, str | None, date, Sequence[tuple[date, str]]]


def open_invoices(world: World, specs: Sequence[Spec]) -> list[int]:
    """An invoice per spec, each of its own order, with the open items given; their ids. In five statements."""
    order_ids = orders.bulk(world, len(specs), status=OrderStatus.DELIVERED)
    invoice_ids = list(db.session.scalars(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), [{
        "company_id": world.company.id, "order_id": order_id, "number": f"AG-{order_id:07d}", "currency": "CNY",
        "subtotal": Decimal("0.00"), "tax_total": Decimal("0.00"), "total": Decimal("0.00"),
        "issued_at": datetime.combine(min(day for day, _amount in spec[3]), datetime.min.time(), timezone.utc),
        "due_date": spec[2], "status": InvoiceStatus.ISSUED,
    } for order_id, spec in zip(order_ids, specs, strict=True)]))
    db.session.execute(insert(OpenItemEntry), [{
        "company_id": world.company.id, "customer_id": world.customers[customer].id,
        "salesperson_id": world.users[salesperson].id if salesperson else None, "order_id": order_id,
        "invoice_id": invoice_id, "currency": "CNY", "due_date": due, "posted_on": day,
        "kind": EntryKind.ISSUED if n == 0 else EntryKind.PAYMENT, "amount": Decimal(amount),
        "settled_on": max(day for day, _amount in posted) if sum(Decimal(a) for _day, a in posted) <= 0 else None,
    } for order_id, invoice_id, (customer, salesperson, due, posted) in zip(order_ids, invoice_ids, specs, strict=True)
        for n, (day, amount) in enumerate(posted)])
    return invoice_ids
