"""Fapiao records: finance records each 增值税发票 the tax system issued against an invoice (several add up to
at most its total), a red-letter one against a credit note; a number already recorded is refused; the invoice
list finds what is invoiced without fapiao yet."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.contracts import Credit
from core.db import commit
from core.extensions import db
from core.models import PaymentTerms, utcnow
from plugins.billing.invoices import credit_notes, services
from plugins.billing.invoices.models import FapiaoRecord, FapiaoType
from tests.factories import portal_login
from tests.plugins.billing.conftest import invoice_number
from tests.plugins.billing.test_invoices_credit_notes import TWENTY_VALVES, lower_the_price


def fapiao(api, invoice_id: int, number: str, amount: str, role: str = "finance", **extra):
    body = {"fapiao_type": "special", "code": "3100261130", "number": number, "issued_on": "2026-11-30",
            "amount": amount, **extra}
    return api(role).post(f"/api/v1/invoices/{invoice_id}/fapiao", json=body)


def fields(response) -> list[str]:
    return [error["field"] for error in response.get_json()["errors"]]


def test_finance_records_fapiao_whose_amounts_add_up_to_the_invoice(api, place_order, deliver):
    order = deliver(place_order())  # 2,316.50
    invoice = services.invoice_for(order)
    first = fapiao(api, invoice.id, "01234567", "2000.00")
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["fapiao_type"], first.get_json()["red"], first.get_json()["amount"]) == (
        "special", False, "2000.00")
    assert fapiao(api, invoice.id, "01234568", "316.50", fapiao_type="electronic", code=None).status_code == 201

    over = fapiao(api, invoice.id, "01234569", "0.01")
    assert over.status_code == 400 and fields(over) == ["amount"]
    shown = api("finance").get(f"/api/v1/invoices/{invoice.id}").get_json()
    assert [(f["number"], f["code"], f["amount"]) for f in shown["fapiao"]] == [
        ("01234567", "3100261130", "2000.00"), ("01234568", "", "316.50")]


def test_a_fapiao_number_already_recorded_is_refused_naming_the_number(api, place_order, deliver):
    one, other = deliver(place_order()), deliver(place_order())
    assert fapiao(api, services.invoice_for(one).id, "01234567", "100.00").status_code == 201
    again = fapiao(api, services.invoice_for(other).id, "01234567", "100.00")
    assert again.status_code == 400 and fields(again) == ["number"]
    assert db.session.execute(select(func.count()).select_from(FapiaoRecord)).scalar_one() == 1


def test_bad_fapiao_input_is_refused_naming_the_field(api, place_order, deliver):
    invoice = services.invoice_for(deliver(place_order()))
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    for extra, field in (({"number": "12AB"}, "number"), ({"code": "123"}, "code"),
                         ({"fapiao_type": "golden"}, "fapiao_type"), ({"amount": "0"}, "amount"),
                         ({"amount": "1.005"}, "amount"), ({"issued_on": tomorrow}, "issued_on"),
                         ({"credit_note_id": 999}, "credit_note_id")):
        body = {"number": "01234567", "amount": "10.00", **extra}
        response = fapiao(api, invoice.id, **body)
        assert 400 <= response.status_code < 500 and field in fields(response), (extra, response.get_json())
    assert db.session.execute(select(func.count()).select_from(FapiaoRecord)).scalar_one() == 0


def test_a_red_letter_fapiao_is_recorded_against_a_credit_note_up_to_its_total(api, place_order):
    order = place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES)
    first = services.invoice_for(order)
    assert fapiao(api, first.id, "11111111", "2712.00").status_code == 201
    order = lower_the_price(order)
    [note] = credit_notes.credit_notes_of(order)

    red = fapiao(api, first.id, "22222222", "2712.00", credit_note_id=note.id)
    assert red.status_code == 201 and red.get_json()["red"] is True
    assert fields(fapiao(api, first.id, "22222223", "0.01", credit_note_id=note.id)) == ["amount"]
    second = services.invoice_for(order)
    elsewhere = fapiao(api, second.id, "22222224", "1.00", credit_note_id=note.id)  # it credits the first
    assert elsewhere.status_code == 400 and fields(elsewhere) == ["credit_note_id"]
    assert fapiao(api, second.id, "33333333", "2260.00").status_code == 201


def test_only_finance_records_fapiao_and_a_customer_sees_none(api, world, place_order, deliver):
    invoice = services.invoice_for(deliver(place_order()))
    assert fapiao(api, invoice.id, "01234567", "10.00", role="sales").status_code == 403
    assert api("customer").get(f"/api/v1/invoices/{invoice.id}").status_code in (403, 404)


def test_the_invoice_list_finds_what_is_invoiced_without_fapiao_yet(app, world, api, place_order, deliver):
    covered, partly, bare = (deliver(place_order()) for _ in range(3))
    assert fapiao(api, services.invoice_for(covered).id, "01234567", "2316.50").status_code == 201
    assert fapiao(api, services.invoice_for(partly).id, "01234568", "1000.00").status_code == 201

    listed = api("finance").get("/api/v1/invoices?without_fapiao=true").get_json()["items"]
    assert sorted(row["number"] for row in listed) == sorted([invoice_number(partly), invoice_number(bare)])
    page = portal_login(app, world.users["finance"]).get("/invoices?without_fapiao=1").get_data(as_text=True)
    assert invoice_number(bare) in page and invoice_number(covered) not in page


def test_finance_records_a_fapiao_from_the_order_page(app, world, place_order, deliver):
    order = deliver(place_order())
    invoice = services.invoice_for(order)
    finance = portal_login(app, world.users["finance"])
    page = finance.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'action="/invoices/{invoice.id}/fapiao"' in page and "No fapiao recorded yet." in page

    response = finance.post(f"/invoices/{invoice.id}/fapiao", data={
        "fapiao_type": "ordinary", "code": "031001900111", "number": "87654321", "issued_on": "2026-11-30",
        "amount": "2316.50"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{order.id}")
    record = db.session.execute(select(FapiaoRecord)).scalar_one()
    assert (record.fapiao_type, record.amount, record.red) == (FapiaoType.ORDINARY, Decimal("2316.50"), False)
    page = finance.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Fapiao 87654321 of 2,316.50 recorded" in page and "87654321" in page

    refused = finance.post(f"/invoices/{invoice.id}/fapiao", data={
        "fapiao_type": "ordinary", "code": "031001900111", "number": "87654321", "issued_on": "2026-11-30",
        "amount": "1.00"},
        follow_redirects=True)
    assert "already recorded" in refused.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(FapiaoRecord)).scalar_one() == 1


def test_the_order_page_lists_versions_and_credit_notes_without_amounts_for_those_who_see_no_prices(
        app, world, place_order):
    order = lower_the_price(place_order(PaymentTerms.PREPAYMENT, lines=TWENTY_VALVES))
    [note] = credit_notes.credit_notes_of(order)
    first, second = services.versions_of(order)
    page = portal_login(app, world.users["finance"]).get(f"/orders/{order.id}").get_data(as_text=True)
    for shown in (first.number, second.number, note.number, "2,712.00", "2,260.00"):
        assert shown in page, shown
    assert f'href="/invoices/{first.id}/document"' in page and f'href="/credit-notes/{note.id}/document"' in page
    pdf = portal_login(app, world.users["finance"]).get(f"/invoices/{first.id}/document")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_credit_granted_before_any_fapiao_leaves_the_invoice_to_fapiao(api, place_order, deliver):
    order = deliver(place_order())
    credit_notes.credit_case(order, Credit(amount=Decimal("113.00"), reason="破损", granted_at=utcnow(), case_id=1,
                                           case_number="CS-0001", order_line_id=order.lines[0].id))
    commit()
    listed = api("finance").get("/api/v1/invoices?without_fapiao=true").get_json()["items"]
    assert [row["number"] for row in listed] == [invoice_number(order)]
