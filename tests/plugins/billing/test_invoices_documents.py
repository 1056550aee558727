"""The invoice's and the credit note's PDFs: the buyer as the order's VAT invoice asks, the seller's profile,
the customer's language, the amount in capitals on Chinese documents, a CJK font embedded."""
from __future__ import annotations

import subprocess
from decimal import Decimal

from flask_babel import force_locale

from core.company_profile import update_profile
from core.contracts import Credit
from core.db import commit
from core.documents import render_due, stored_document, stored_kind_document
from core.models import InvoiceType, utcnow
from core.orders import events
from plugins.billing.invoices import credit_notes, documents
from tests.plugins.billing.conftest import invoice_number
from tests.plugins.billing.test_hooks import pdf_text


def test_the_invoice_is_rendered_by_the_worker_after_it_is_issued_and_served_from_storage(
        app, world, place_order, deliver, monkeypatch):
    renderer = app.extensions["ordo.pdf"]
    render = renderer.render
    rendered: list[str] = []
    monkeypatch.setattr(renderer, "render", lambda template, **context: rendered.append(template) or render(
        template, **context))
    order = deliver(place_order())  # the delivery issues the invoice
    assert invoice_number(order) is not None and rendered == []

    assert render_due(utcnow()) == 1
    commit()
    served = stored_document(order, "invoice", world.users["finance"])

    assert rendered == ["invoice.html"] and served.stored_id is not None


def test_the_invoice_prints_the_buyers_invoice_details_as_entered(world, place_order, deliver, tmp_path):
    order = place_order(submit=False)
    order.invoice_type = InvoiceType.SPECIAL
    order.invoice_title = "上海华东机电有限公司"
    order.invoice_tax_id = "91310115MA1K4B2C3J"
    order.invoice_bank_account = "中国工商银行上海张江支行 1001 2345 6789 0123 456"
    order.invoice_address_phone = "上海市浦东新区张江路 88 号 021-5080 1234"
    order.invoice_requirements = "发票随货寄出"
    commit()

    events.submit(order, actor=world.users["sales"])
    commit()

    printed = pdf_text(stored_document(deliver(order), "invoice", world.users["finance"]).content, tmp_path,
                       "invoice.pdf")

    unwrapped = "".join(printed.split())  # the narrow column wraps long details
    for shown in ("Special VAT invoice", "Taxpayer id: 91310115MA1K4B2C3J",
                  "Bank and account: 中国工商银行上海张江支行 1001 2345 6789 0123 456",
                  "Registered address and phone: 上海市浦东新区张江路 88 号 021-5080 1234",
                  "Other invoice requirements: 发票随货寄出"):
        assert "".join(shown.split()) in unwrapped, shown


SELLER = {"legal_name": "艾克米贸易(上海)有限公司", "address": "上海市闵行区莘庄工业区春东路 508 号",
          "tax_id": "91310112MA1GBX0Q7U", "bank": "招商银行上海闵行支行", "bank_account": "1219 0876 5432 101"}


def _seller_profile(world) -> None:
    update_profile(world.company, SELLER, actor=None)
    commit()


def test_a_chinese_customers_invoice_prints_the_sellers_profile_and_the_amount_in_capitals(
        world, place_order, deliver, tmp_path):
    _seller_profile(world)
    world.customers[0].language = "zh_CN"
    commit()
    order = deliver(place_order())  # 2,316.50
    document = stored_document(order, "invoice", world.users["finance"])
    printed = "".join(pdf_text(document.content, tmp_path, "invoice.pdf").split())
    for shown in (*SELLER.values(), "人民币贰仟叁佰壹拾陆元伍角", "发票"):
        assert "".join(shown.split()) in printed, shown
    assert world.company.code not in printed  # no internal code on a customer document
    path = tmp_path / "invoice.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace("-", "") and " yes " in line]


def test_an_english_customers_invoice_is_english_without_capitals_whoever_asks(world, place_order, deliver, tmp_path):
    _seller_profile(world)
    world.customers[0].language = "en"
    commit()
    order = deliver(place_order())
    with force_locale("zh_Hans_CN"):
        document = stored_document(order, "invoice", world.users["finance"])
    printed = pdf_text(document.content, tmp_path, "invoice.pdf")
    assert "Invoice" in printed and "人民币" not in printed and "Total in capitals" not in printed
    assert "".join(SELLER["tax_id"].split()) in "".join(printed.split())


def test_a_credit_notes_pdf_names_what_it_credits_in_the_customers_language(world, place_order, deliver, tmp_path):
    _seller_profile(world)
    world.customers[0].language = "zh_CN"
    commit()
    order = deliver(place_order())
    note = credit_notes.credit_case(order, Credit(amount=Decimal("113.00"), reason="破损", granted_at=utcnow(),
                                                  case_id=7, case_number="CS-0007",
                                                  order_line_id=order.lines[0].id))
    commit()
    kind = documents.credit_note_kind(note)
    printed = "".join(pdf_text(stored_kind_document(order, kind, world.users["finance"]).content, tmp_path,
                               "credit_note.pdf").split())
    for shown in (note.number, invoice_number(order), "CS-0007", "人民币壹佰壹拾叁元整", SELLER["legal_name"],
                  "100.00", "13.00"):
        assert "".join(shown.split()) in printed, shown


def test_the_customer_opens_the_latest_credit_note_of_their_order_among_its_documents(
        world, api, place_order, deliver, tmp_path):
    order = deliver(place_order())
    assert api("customer").get(f"/api/v1/orders/{order.id}/documents/credit_note").status_code == 404
    note = credit_notes.credit_case(order, Credit(amount=Decimal("113.00"), reason="破损", granted_at=utcnow(),
                                                  case_id=7, case_number="CS-0007",
                                                  order_line_id=order.lines[0].id))
    commit()
    response = api("customer").get(f"/api/v1/orders/{order.id}/documents/credit_note")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    printed = "".join(pdf_text(response.data, tmp_path, "credit_note.pdf").split())
    assert note.number in printed and "CS-0007" in printed
