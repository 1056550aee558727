"""Invoices' portal pages: the invoice list, its summary, filters and export."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from core.extensions import db
from core.models import utcnow
from plugins.billing.invoices.models import Invoice
from tests.core.test_queries import statements
from tests.factories import portal_login
from tests.plugins.billing.conftest import invoice_number
from tests.plugins.billing.open_item_rows import falls_due
from tests.plugins.billing.test_invoices_api import invoices


def test_the_invoice_list_shows_what_is_outstanding_and_filters(app, world, api, place_order, deliver):
    open_order = deliver(place_order())
    paid_order = deliver(place_order(customer=1))
    api("finance").post("/api/v1/payments", json={"order_id": paid_order.id, "amount": "2316.50"})
    manager = portal_login(app, world.users["manager"])

    page = manager.get("/invoices").get_data(as_text=True)
    assert invoice_number(open_order) in page and invoice_number(paid_order) in page
    assert "1 open invoices" in page and "2,316.50" in page
    assert 'href="/invoices"' in page  # in the menu

    paid = manager.get("/invoices?status=paid").get_data(as_text=True)
    assert invoice_number(paid_order) in paid and invoice_number(open_order) not in paid
    by_number = manager.get(f"/invoices?q={open_order.number}").get_data(as_text=True)
    assert invoice_number(open_order) in by_number and invoice_number(paid_order) not in by_number
    assert "0.00</td>" in paid and "2,316.50</td>" in by_number  # outstanding
    bad = manager.get("/invoices?status=lost")
    assert bad.status_code == 400 and "status must be one of" in bad.get_data(as_text=True)
    grouped = manager.get("/invoices?group=status").get_data(as_text=True)
    assert '<a href="/invoices?status=issued">Issued</a></td>\n          <td class="num">1</td>' in grouped

    assert portal_login(app, world.users["production"]).get("/invoices").status_code == 403


def test_the_invoice_list_finds_overdue_invoices_and_exports_what_it_shows(app, world, api, place_order, deliver):
    late = deliver(place_order())
    current = deliver(place_order(customer=1))
    invoice = db.session.execute(select(Invoice).where(Invoice.order_id == late.id)).scalar_one()
    falls_due(invoice, world.company.today() - timedelta(days=3))
    db.session.commit()
    manager = portal_login(app, world.users["manager"])

    overdue = manager.get("/invoices?overdue=1").get_data(as_text=True)
    assert invoice_number(late) in overdue and invoice_number(current) not in overdue
    sheet = load_workbook(io.BytesIO(manager.get("/invoices?overdue=1&format=xlsx").data)).active
    header, *rows = list(sheet.values)
    assert [row[0] for row in rows] == [invoice_number(late)]
    assert rows[0][header.index("Outstanding")] == 2316.5 and rows[0][header.index("Status")] == "Issued"
    exported = manager.get("/invoices?sort=-total&format=csv").get_data(as_text=True)
    assert exported.count(invoice_number(late)) == 1 and exported.count(invoice_number(current)) == 1


def test_the_invoice_list_and_its_summary_cost_the_same_statements_for_10_invoices_as_for_1000(app, world):
    """The receivables summary is summed in the database from the open items: 990 invoices more, no statement
    more, and the figures count every one of them."""
    finance = portal_login(app, world.users["finance"])
    finance.get("/invoices")  # the session's first page signs in; the pages measured come after it
    counts, pages = [], []
    for more in (10, 990):
        invoices(world, more, start=utcnow() - timedelta(days=20))
        with statements(db.engine) as seen:
            response = finance.get("/invoices")
        assert response.status_code == 200
        counts.append(len(seen))
        pages.append(response.get_data(as_text=True))
    assert counts[0] == counts[1]
    assert "10 open invoices" in pages[0] and "1000 open invoices" in pages[1]
