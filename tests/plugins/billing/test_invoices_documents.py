"""The invoice PDF names the buyer as the order's VAT invoice asks: its type and the details entered."""
from __future__ import annotations

from core.db import commit
from core.documents import stored_document
from core.models import InvoiceType
from core.orders import events
from tests.plugins.billing.test_hooks import pdf_text


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
