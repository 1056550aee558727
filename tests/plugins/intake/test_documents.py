"""The order confirmation (订单确认书): a PDF in a real, embedded CJK font, prices only for who may see them."""
from __future__ import annotations

import subprocess
from pathlib import Path

from core.extensions import db
from plugins.intake import services
from tests.factories import portal_login
from tests.plugins.intake.helpers import draft


def fonts(pdf: Path) -> list[tuple[str, str]]:
    """``pdffonts`` rows as (name, emb), reading the emb column where the header puts it."""
    header, _rule, *rows = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                                          text=True).stdout.splitlines()
    emb = header.index("emb")
    return [(row.split()[0], row[emb:emb + 3]) for row in rows if row.strip()]


def text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def confirmation(app, user, order, tmp_path: Path) -> Path:
    response = portal_login(app, user).get(f"/orders/{order.id}/documents/confirmation")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    path = tmp_path / f"{user.username}.pdf"
    path.write_bytes(response.data)
    return path


def test_the_confirmation_prints_the_chinese_customer_in_an_embedded_cjk_font(app, world, tmp_path):
    order = services.submit(draft(world, invoice_requirements="增值税专用发票，抬头：上海华东机电有限公司"),
                            world.users["sales"])
    db.session.commit()

    pdf = confirmation(app, world.users["sales"], order, tmp_path)

    embedded = fonts(pdf)
    assert any("NotoSansCJK" in name.replace("-", "") and emb == "yes" for name, emb in embedded), embedded
    printed = text(pdf)
    assert "上海华东机电有限公司" in printed
    assert order.number in printed and "不锈钢阀门 DN50" in printed and "DN50 PN16" in printed
    assert "增值税专用发票" in printed
    assert "271.20" in printed  # 2 x 120.00 + 13 % tax


def test_the_confirmation_leaves_out_prices_for_production(app, world, tmp_path):
    order = draft(world)

    printed = text(confirmation(app, world.users["production"], order, tmp_path))

    assert "不锈钢阀门 DN50" in printed
    assert "120.00" not in printed and "271.20" not in printed


def test_an_unknown_document_kind_is_not_found(app, world):
    order = draft(world)

    response = portal_login(app, world.users["sales"]).get(f"/orders/{order.id}/documents/invoice")

    assert response.status_code == 404
