"""Settlement by credit: an order whose credit notes take back what its payments left owing is paid in full.

Payments settle an order through ``core.orders.record_payment`` (``paid``, with
``fully_paid``). A credit note moves no money, so it settles through the core's
own event for it, ``core.orders.settle`` (``order_settled``): the core sets the
order's ``paid_in_full_at`` and completes a delivered order, exactly as after the
last payment. A credit is not a payment: ``paid`` listeners (what KPIs count as
collected) never hear of it. Its invoice, owing nothing more, is marked paid.
Nothing here commits.
"""
from __future__ import annotations

from core.contracts import Settlement
from core.models import Order
from core.orders import events
from core.orders.events import SETTLEABLE
from plugins.billing.invoices.models import CreditNote, Invoice
from plugins.billing.invoices.services import mark_paid
from plugins.billing.payments.allocations import owed_on
from plugins.billing.payments.ledger import ZERO, balance, credited_total, paid_total
from plugins.billing.payments.services import release_overpaid


def settle_by_credit(order: Order, credit_note: CreditNote | None, invoice: Invoice | None = None) -> bool:
    """Settle ``order`` if, after ``credit_note``, what it was paid and credited covers its total; return
    whether it did. An order already paid in full, or not in a status that settles, stays as it is.
    ``invoice``: the order's invoice to mark paid when it owes nothing (default: the credit note's)."""
    if order.paid_in_full_at is not None or order.status not in SETTLEABLE:
        return False
    paid, credited = paid_total(order), credited_total(order)
    if balance(order, paid, credited) > ZERO:
        return False
    invoice = invoice or (credit_note.invoice if credit_note is not None else None)
    settled_at = credit_note.issued_at if credit_note is not None else None
    if invoice is not None:
        settled_at = settled_at or invoice.issued_at
        if owed_on([invoice])[0].owed <= ZERO:
            mark_paid(invoice, settled_at, None)
    if settled_at is None:
        return False  # nothing was credited nor invoiced: nothing settles an order without either
    events.settle(order, Settlement(settled_at=settled_at, paid=paid, credited=credited,
                                    credit_note=credit_note.number if credit_note is not None else None),
                  actor=None)
    return True


def after_credit(order: Order, credit_note: CreditNote) -> None:
    """What follows money granted back (a problem case's credit, a statement line's correction): what an
    invoice already paid no longer bills goes back to the customer's credit, and a credit clearing what the
    payments left owing settles the order."""
    if credit_note.invoice is not None:
        release_overpaid(credit_note.invoice)
    settle_by_credit(order, credit_note)
