"""Invoices' services: due dates by payment terms, one invoice per order, tax per line rounded per line,
the cost of issuing one."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.contracts import InvoiceIssued
from core.extensions import db
from core.models import AuditEntry, OrderStatus, PaymentTerms
from core.orders import actions
from plugins.billing.manifest import MANIFEST as BILLING
from plugins.billing import dates
from plugins.billing.invoices import services
from plugins.intake.manifest import MANIFEST as INTAKE
from tests import factories, orders, witness
from tests.core.test_queries import statements


def test_a_prepayment_order_is_due_on_the_day_it_is_invoiced(place_order):
    order = place_order(PaymentTerms.PREPAYMENT)
    invoice = services.invoice_for(order)
    assert invoice.due_date == dates.local_date(invoice.issued_at, dates.company_zone(order.company_id))
    assert services.issue_invoice(order) is invoice  # one invoice per order


def test_tax_is_per_line_and_rounded_per_line_as_vat_practice_does_to_the_cent(place_order, deliver):
    # Worked by hand, each line rounded half up to the cent before anything is added:
    #   3 × 33.33 = 99.99 at 13 %: tax 12.9987 → 13.00, 112.99
    #   7 × 0.15  =  1.05 at  6 %: tax  0.063  →  0.06,   1.11
    #   1 × 10.05 = 10.05 at  9 %: tax  0.9045 →  0.90,  10.95
    #   5 × 2.50  = 12.50 at 13 %: tax  1.625  →  1.63,  14.13 (half up, not to even)
    # before tax 123.59, tax 15.59, total 139.18 (tax on the sum, 123.59 at mixed rates, is never computed).
    order = deliver(place_order(lines=[("3", "33.33", "0.13"), ("7", "0.15", "0.06"), ("1", "10.05", "0.09"),
                                       ("5", "2.50", "0.13")]))
    invoice = services.invoice_for(order)
    assert [(line.net_amount, line.tax_amount, line.amount) for line in invoice.lines] == [
        (Decimal("99.99"), Decimal("13.00"), Decimal("112.99")),
        (Decimal("1.05"), Decimal("0.06"), Decimal("1.11")),
        (Decimal("10.05"), Decimal("0.90"), Decimal("10.95")),
        (Decimal("12.50"), Decimal("1.63"), Decimal("14.13")),
    ]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("123.59"), Decimal("15.59"), Decimal("139.18"))
    assert invoice.total == order.total  # the invoice bills what the order comes to


def test_issuing_an_invoice_costs_the_same_statements_for_2_lines_as_for_20(app, place_order):
    counts = []
    for lines in (2, 20):
        order = place_order(lines=[("1", "10.00", "0.13")] * lines)
        with statements(db.engine) as seen:
            services.issue_invoice(order)
        counts.append(len(seen))
        assert len(services.invoice_for(order).lines) == lines
    assert counts[0] == counts[1], counts


def test_an_invoice_keeps_the_buyer_as_the_order_named_it_at_issue(place_order, deliver):
    order = deliver(place_order())
    invoice = services.invoice_for(order)
    assert invoice.buyer["name"] == order.customer.name
    assert invoice.buyer["payment_terms"] == "cash_on_delivery" and invoice.buyer["contact"] == order.contact


def test_hook_invoice_issued(make_app):
    """Listeners pinned on the order hear of the invoice billing issues inside ``delivered``, after every
    delivered listener: its number, version, amount, currency, date and due date, as its audit entry keeps it."""
    app = witness.watching(make_app, INTAKE, BILLING)
    with app.app_context():
        world = factories.build_world(app)
        order = orders.submitted(world)
        actions.mark_delivered(order, actor=world.users["logistics"], signed_by="张三")
        invoice = services.invoice_for(order)
        expected = InvoiceIssued(invoice.number, 1, invoice.total, invoice.currency, invoice.issued_at,
                                 invoice.due_date)
        kept = db.session.execute(select(AuditEntry.after).where(
            AuditEntry.order_id == order.id, AuditEntry.action == "invoice_issued")).scalar_one()
        order_id = order.id
    heard = witness.events(order_id, "delivered", "invoice_issued")
    assert [(event.hook, event.status) for event in heard] == [("delivered", OrderStatus.DELIVERED),
                                                                ("invoice_issued", OrderStatus.DELIVERED)]
    assert heard[1].payload["invoice"] == expected
    assert InvoiceIssued.from_record(kept[InvoiceIssued.hook]) == expected
