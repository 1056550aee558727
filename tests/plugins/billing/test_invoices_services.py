"""Invoices' services: due dates by payment terms, one invoice per order."""
from __future__ import annotations

from core.models import PaymentTerms
from plugins.billing import dates
from plugins.billing.invoices import services


def test_a_prepayment_order_is_due_on_the_day_it_is_invoiced(place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    invoice = services.invoice_for(order)
    assert invoice.due_date == dates.local_date(invoice.issued_at, dates.company_zone(order.company_id))
    assert services.issue_invoice(order) is invoice  # one invoice per order
