"""A plugin that notifies work done from inside ``delivered`` (as billing issues its invoice there) and notes,
in the status witness's list, when the notification is heard: never inside the event's hooks."""
from datetime import date
from decimal import Decimal

from core.contracts import InvoiceIssued
from core.hookspecs import hookimpl
from core.models import utcnow
from core.orders import events
from tests.core.samples import status_witness


@hookimpl
def delivered(order, delivery):
    events.notify(order, InvoiceIssued.hook, invoice=InvoiceIssued(
        number="INV-1", version=1, amount=Decimal("1.00"), currency="CNY", issued_at=utcnow(),
        due_date=date(2026, 12, 31)))


@hookimpl
def invoice_issued(order, invoice):
    status_witness.SEEN.append(("invoice_issued", order.status.value))
