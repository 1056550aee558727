"""Keep the open items: after anything that moves what an invoice owes, post the change as a dated row.

The billing services call ``post`` once, in their own transaction, after they
issued an invoice (or its next version), a credit note, allocated or reversed a
payment, or credited or cancelled a version. ``post`` compares what each of the
orders' invoice versions owes now, as ``invoices.services.balances`` computes it
(the order's total, less its case credits, less what was paid; nothing on a
closed version or an order that will not be settled), with the sum of its rows,
and appends the difference. So the rows sum to the balance by construction,
whatever path the money took (a prepayment filed under the invoice at issue, an
allocation lowered to what a change left); each row is the effect of one event.
In the same statements it marks when each invoice it posted for was settled
(``settled_on`` on all its rows: its last row's day when they sum to nothing, else
empty), which the reports use to skip what was paid before the day they ask about.

``differences`` checks the sums: the invoices whose rows do not sum to their balance;
``settled_differences`` checks ``settled_on`` against the rows themselves.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement, Select, Subquery, Table, and_, bindparam, case, func, insert, or_, select, type_coerce,
    union_all, update,
)
from sqlalchemy.orm import lazyload

from core.extensions import db
from core.models import Order, utcnow
from core.models.types import Money
from core.orders import money
from plugins.billing.receivables.models import EntryKind, OpenItemEntry
from plugins.billing.dates import company_zone, local_date
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.payments.ledger import (
    HALF_CENT, ZERO, balance, credited_totals, outstanding_on_invoice, paid_totals,
)

CLOSED = frozenset({InvoiceStatus.CANCELLED, InvoiceStatus.CREDITED})


def open_sums(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What the rows of each invoice add up to, in one query."""
    return {invoice_id: total for invoice_id, (total, _last) in _ledgers(invoice_ids).items()}


def _ledgers(invoice_ids: Iterable[int]) -> dict[int, tuple[Decimal, date]]:
    """Each invoice's rows: what they add up to and the day of the last one, in one query."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(OpenItemEntry.invoice_id, func.sum(OpenItemEntry.amount), func.max(OpenItemEntry.posted_on))
        .where(OpenItemEntry.invoice_id.in_(ids)).group_by(OpenItemEntry.invoice_id))
    return {invoice_id: (money(Decimal(total)), last) for invoice_id, total, last in rows}


def post(orders: Iterable[Order], kind: EntryKind, at: datetime | None = None, *,
         first: Invoice | None = None) -> None:
    """Append, for each invoice version of ``orders`` whose balance moved, a row of the change, posted on
    ``at``'s day (default now) in the company's zone. A closed version's last row is ``CLOSED``.
    A few statements for any number of orders.

    ``first``: the first invoice of the one order given, just issued: then its only version, with no rows yet,
    so neither its versions nor their rows are read."""
    by_id = {order.id: order for order in orders}
    if not by_id:
        return
    db.session.flush()
    if first is not None:
        invoices = [first]
    else:
        # The orders are at hand: joining them again would load their lines and pinned modules once more.
        invoices = list(db.session.execute(
            select(Invoice).where(Invoice.order_id.in_(by_id)).order_by(Invoice.id).options(lazyload(Invoice.order))
        ).scalars())
    if not invoices:
        return
    paid = paid_totals(by_id)
    credited = credited_totals(by_id)
    ledgers = {} if first is not None else _ledgers(invoice.id for invoice in invoices)
    moment = at or utcnow()
    rows = []
    settled: list[dict[str, object]] = []
    for invoice in invoices:
        order = by_id[invoice.order_id]
        owed = (ZERO if invoice.status in CLOSED
                else balance(order, paid.get(order.id, ZERO), credited.get(order.id, ZERO)))
        posted, last = ledgers.get(invoice.id, (ZERO, None))
        change = owed - posted
        if abs(change) < HALF_CENT:
            continue
        day = local_date(moment, company_zone(invoice.company_id))
        settled_on = (max(day, last) if last else day) if owed < HALF_CENT else None
        rows.append({
            "company_id": invoice.company_id, "customer_id": order.customer_id,
            "salesperson_id": order.created_by_id, "order_id": order.id, "invoice_id": invoice.id,
            "currency": invoice.currency, "due_date": invoice.due_date, "posted_on": day,
            "kind": EntryKind.CLOSED if invoice.status in CLOSED else kind, "amount": money(change),
            "settled_on": settled_on,
        })
        if last is not None:  # rows posted before: settled with the new one, or open again
            settled.append({"invoice": invoice.id, "settled": settled_on})
    if rows:
        # A new row is written settled on its last row's day if its invoice owes nothing now.
        db.session.execute(insert(OpenItemEntry), rows)
    if settled:
        # Each posted invoice's earlier rows the same: an invoice's first row (its issue) has none to update.
        # (The table's UPDATE, not the model's: one executemany by invoice, not the ORM's update by key.)
        table = cast(Table, OpenItemEntry.__table__)
        db.session.execute(update(table).where(table.c.invoice_id == bindparam("invoice"))
                           .values(settled_on=bindparam("settled")), settled)


def differences(company_id: int) -> list[tuple[int, Decimal, Decimal]]:
    """The company's invoices whose rows do not add up to their balance: (invoice id, rows' sum, balance),
    in one query; none when the open items are right."""
    rows_sum = type_coerce(func.coalesce(
        select(func.sum(OpenItemEntry.amount)).where(OpenItemEntry.invoice_id == Invoice.id)
        .scalar_subquery(), ZERO), Money())
    owed = outstanding_on_invoice()
    found = db.session.execute(
        select(Invoice.id, rows_sum, owed).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.company_id == company_id, func.abs(rows_sum - owed) >= HALF_CENT)
        .order_by(Invoice.id))
    return [(invoice_id, money(Decimal(total)), money(Decimal(due))) for invoice_id, total, due in found]


def settled_differences(company_id: int) -> list[tuple[int, date | None, date | None]]:
    """The company's invoices whose ``settled_on`` is not what their rows say (on every row: the last row's
    day when they sum to nothing, else empty): (invoice id, the latest ``settled_on`` found, what it should
    be), in one query; none when it is right."""
    total = func.sum(OpenItemEntry.amount)
    last = func.max(OpenItemEntry.posted_on)
    marked = func.count(OpenItemEntry.settled_on)
    should_be = case((total < HALF_CENT, last), else_=None)
    wrong = or_(and_(total < HALF_CENT, or_(marked != func.count(), func.min(OpenItemEntry.settled_on) != last,
                                            func.max(OpenItemEntry.settled_on) != last)),
                and_(total >= HALF_CENT, marked > 0))
    found = db.session.execute(
        select(OpenItemEntry.invoice_id, func.max(OpenItemEntry.settled_on), should_be)
        .where(OpenItemEntry.company_id == company_id)
        .group_by(OpenItemEntry.invoice_id).having(wrong).order_by(OpenItemEntry.invoice_id))
    return [(invoice_id, _day(found_on), _day(due_on)) for invoice_id, found_on, due_on in found]


def _day(value: date | str | None) -> date | None:
    """A date as SQLite returns one from a CASE (a string) and PostgreSQL as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- reading: what is open, summed in the database --------------------------------------------


def open_invoices(company_id: int, *, as_of: date | None = None, customer_id: int | None = None) -> Subquery:
    """SQL: each invoice of the company that owes something (on ``as_of``'s day, default now), with its
    customer, salesperson, currency, due date and what it owes (``open``): its rows summed, one query.

    It reads only the rows of invoices not settled by that day, from ``ix_billing_open_item_ageing`` alone:
    those still open (``settled_on`` empty) and, for a past day, those settled after it, as two ranges of
    the index, each summed per invoice in the index's order (an invoice's rows all carry one ``settled_on``,
    so no invoice is in both). One range each rather than an OR, which SQLite reads by another index."""
    conditions = [OpenItemEntry.company_id == company_id]
    if as_of is not None:
        conditions.append(OpenItemEntry.posted_on <= as_of)
    if customer_id is not None:
        conditions.append(OpenItemEntry.customer_id == customer_id)
    owed = func.sum(OpenItemEntry.amount)

    def summed(settled: ColumnElement[bool]) -> Select[Any]:
        return (select(OpenItemEntry.invoice_id, OpenItemEntry.customer_id, OpenItemEntry.salesperson_id,
                       OpenItemEntry.currency, OpenItemEntry.due_date, type_coerce(owed, Money()).label("open"))
                .where(*conditions, settled)
                .group_by(OpenItemEntry.invoice_id, OpenItemEntry.customer_id, OpenItemEntry.salesperson_id,
                          OpenItemEntry.currency, OpenItemEntry.due_date)
                .having(owed > HALF_CENT))

    still_open = summed(OpenItemEntry.settled_on.is_(None))
    if as_of is None:
        return still_open.subquery("open_invoice")
    # Bounded on both sides: without histograms, SQLite takes a one-sided range for a quarter of the table
    # and would rather read all the company's rows by another index.
    settled_after = summed(OpenItemEntry.settled_on.between(as_of + timedelta(days=1), date.max))
    return union_all(still_open, settled_after).subquery("open_invoice")
