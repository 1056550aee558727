"""Invoicing monthly orders in the monthly statement: the company's policy, the run issuing one invoice per
order signed for in the period (dated on the statement day), once, and the policy's page and API."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import AuditEntry, OrderStatus, PaymentTerms
from plugins.billing.invoices import services as invoices
from plugins.billing.invoices.models import Invoice, InvoiceStatus
from plugins.billing.statements import invoicing
from plugins.billing.statements.models import LineKind, MonthlyInvoicing
from tests.factories import portal_login
from tests.plugins.billing.conftest import fresh
from tests.plugins.billing.statements_helpers import at, date_delivery, make, pay
from tests.plugins.billing.test_statements_run import _counted_run

TOTAL = Decimal("2316.50")


def _with_statement(world) -> None:
    invoicing.set_monthly_invoicing(world.company.id, MonthlyInvoicing.WITH_STATEMENT, world.users["finance"])
    commit()


def _invoices() -> int:
    return db.session.execute(select(func.count(Invoice.id))).scalar_one()


def test_by_default_monthly_orders_are_invoiced_at_delivery(world, place_order, deliver):
    assert invoicing.monthly_invoicing(world.company.id) == MonthlyInvoicing.AT_DELIVERY
    order = deliver(place_order(PaymentTerms.MONTHLY))
    assert invoices.invoice_for(order) is not None


def test_the_statement_invoices_the_periods_monthly_deliveries_dated_on_the_statement_day(
        world, place_order, deliver):
    _with_statement(world)
    order = deliver(place_order(PaymentTerms.MONTHLY))
    date_delivery(order, at("2026-01-10 10:00"))
    later = deliver(place_order(PaymentTerms.MONTHLY))
    date_delivery(later, at("2026-02-01 01:00"))  # signed for after January's statement day
    cash = deliver(place_order(PaymentTerms.CASH_ON_DELIVERY))
    date_delivery(cash, at("2026-01-12 10:00"))
    assert invoices.invoice_for(order) is None and invoices.invoice_for(later) is None
    assert invoices.invoice_for(cash) is not None  # the policy is monthly orders' only

    january, = make(world.company, at("2026-02-01 02:00"))

    invoice = invoices.invoice_for(fresh(order.id))
    assert invoice is not None and invoice.issued_at == at("2026-01-31 23:59:59")
    assert (invoice.total, invoice.status) == (TOTAL, InvoiceStatus.ISSUED)
    assert invoice.due_date.isoformat() == "2026-02-28"  # end of the month after delivery, as at delivery
    assert invoices.invoice_for(fresh(later.id)) is None  # waits for February's statement
    listed = [(line.kind, line.order_id) for line in january.lines]
    assert listed == [(LineKind.DELIVERY, order.id), (LineKind.DELIVERY, cash.id), (LineKind.INVOICE, cash.id),
                      (LineKind.INVOICE, order.id)]
    assert january.closing_balance == 2 * TOTAL

    # Idempotent: a second run makes nothing and issues nothing; the next month invoices the later order.
    count = _invoices()
    assert make(world.company, at("2026-02-01 03:00")) == [] and _invoices() == count
    february, = make(world.company, at("2026-03-01 02:00"))
    assert invoices.invoice_for(fresh(later.id)).issued_at == at("2026-02-28 23:59:59")
    assert [line.kind for line in february.lines] == [LineKind.DELIVERY, LineKind.INVOICE]
    assert _invoices() == count + 1


def test_a_monthly_order_paid_before_its_statement_is_invoiced_paid(world, place_order, deliver):
    _with_statement(world)
    order = deliver(place_order(PaymentTerms.MONTHLY))
    date_delivery(order, at("2026-01-10 10:00"))
    pay(order, "2316.50", at("2026-01-20 10:00"), world.users["finance"])
    assert fresh(order.id).status == OrderStatus.COMPLETED

    january, = make(world.company, at("2026-02-01 02:00"))

    invoice = invoices.invoice_for(fresh(order.id))
    assert invoice.status == InvoiceStatus.PAID and invoice.total == TOTAL
    assert january.closing_balance == Decimal("0.00")


def test_the_policy_is_set_through_the_api_and_a_bad_one_is_refused(api):
    finance = api("finance")
    assert finance.get("/api/v1/monthly-invoicing").get_json() == {"monthly_invoicing": "at_delivery"}
    refused = finance.put("/api/v1/monthly-invoicing", json={"monthly_invoicing": "weekly"})
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "monthly_invoicing"
    assert api("sales").put("/api/v1/monthly-invoicing", json={"monthly_invoicing": "with_statement"}
                            ).status_code == 403
    done = finance.put("/api/v1/monthly-invoicing", json={"monthly_invoicing": "with_statement"})
    assert done.status_code == 200 and done.get_json() == {"monthly_invoicing": "with_statement"}
    assert db.session.execute(select(AuditEntry.after).where(
        AuditEntry.action == "monthly_invoicing_set")).scalar_one() == {"monthly_invoicing": "with_statement"}


def test_finance_sets_the_policy_on_the_statements_page(app, world):
    finance = portal_login(app, world.users["finance"])
    page = finance.get("/statements").get_data(as_text=True)
    assert "Invoicing of monthly orders" in page and "In the monthly statement" in page
    response = finance.post("/statements/monthly-invoicing", data={"monthly_invoicing": "with_statement"})
    assert response.status_code == 302
    assert invoicing.monthly_invoicing(world.company.id) == MonthlyInvoicing.WITH_STATEMENT
    finance.post("/statements/monthly-invoicing", data={"monthly_invoicing": "weekly"})
    assert invoicing.monthly_invoicing(world.company.id) == MonthlyInvoicing.WITH_STATEMENT


def test_a_run_invoicing_deliveries_costs_the_same_statements_per_invoice_whatever_its_lines(
        world, place_order, deliver):
    """Each invoice is issued as at delivery (its own few statements); everything else stays constant."""
    _with_statement(world)

    def delivered(month: int, orders: int, lines: int) -> None:
        for _ in range(orders):
            order = deliver(place_order(PaymentTerms.MONTHLY, lines=[("1", "10.00", "0.13")] * lines))
            date_delivery(order, at(f"2026-{month:02d}-10 10:00"))

    delivered(1, orders=1, lines=1)
    one, _, _ = _counted_run(world, at("2026-02-01 02:00"))
    delivered(2, orders=2, lines=6)
    two, _, _ = _counted_run(world, at("2026-03-01 02:00"))
    delivered(3, orders=3, lines=12)
    three, _, _ = _counted_run(world, at("2026-04-01 02:00"))
    assert three - two == two - one > 0, (one, two, three)
