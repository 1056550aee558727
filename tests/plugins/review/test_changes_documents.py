"""The change request form (订单变更申请表): a stored PDF in an embedded CJK font, in Chinese and English."""
from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import func, select

from core.db import commit
from core.extensions import db
from core.models import StoredDocument
from tests.plugins.review.test_changes import approve_all, approved, ask, ok


def fonts(pdf: Path) -> list[tuple[str, str]]:
    header, _rule, *rows = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                                          text=True).stdout.splitlines()
    emb = header.index("emb")
    return [(row.split()[0], row[emb:emb + 3]) for row in rows if row.strip()]


def text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def saved(response, tmp_path: Path, name: str) -> Path:
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data()
    path = tmp_path / name
    path.write_bytes(response.data)
    return path


CHANGE = {"lines": [{"line_no": 1, "quantity": "15", "specification": "DN50 PN25 加厚"}],
          "payment_terms": "monthly", "reason": "客户要求加厚阀体"}


def test_the_form_prints_the_diff_and_impact_in_chinese_with_an_embedded_cjk_font(desk, tmp_path):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, CHANGE), 201)
    desk.world.customers[0].language = "zh_CN"  # the customer reads Chinese; the clerk asks in English
    commit()

    response = desk.api("sales").get(f"/api/v1/orders/{order_id}/documents/change-request",
                                     headers={"Accept-Language": "en"})

    pdf = saved(response, tmp_path, "zh.pdf")
    assert any("NotoSansCJK" in name.replace("-", "") and emb == "yes" for name, emb in fonts(pdf))
    printed = text(pdf)
    assert "订单变更申请表" in printed and change["number"] in printed
    assert "DN50 PN25 加厚" in printed and "客户要求加厚阀体" in printed
    assert "月结" in printed  # the new payment terms, labelled
    assert "2,034.00" in printed  # the new total: 15 x 120.00 + 13 % tax


def test_the_form_is_stored_once_per_version_and_in_english_too(desk, tmp_path):
    order_id = approved(desk)
    change = ok(ask(desk, order_id, CHANGE), 201)
    path = f"/api/v1/orders/{order_id}/documents/change-request"

    first = desk.api("sales").get(path)
    second = desk.api("sales").get(path)

    assert first.get_etag() == second.get_etag()
    in_review = text(saved(first, tmp_path, "en.pdf"))
    assert "Order change request form" in in_review and "no answer from the reviewers yet" in in_review
    stored = db.session.execute(select(func.count()).select_from(StoredDocument)
                                .where(StoredDocument.kind == "change-request")).scalar_one()
    assert stored == 1
    # Its decision is a new version; the first rendering stays as it was issued.
    approve_all(desk, order_id)
    ok(desk.api("customer").post(f"/api/v1/changes/{change['id']}/acknowledge", json={}))
    third = desk.api("sales").get(path)
    assert third.get_etag() != first.get_etag()
    decided = text(saved(third, tmp_path, "acknowledged.pdf"))
    assert "Acknowledged by the customer" in decided and "Decision: Applied" in decided
    assert "no answer from the reviewers yet" not in decided
    assert db.session.execute(select(func.count()).select_from(StoredDocument)
                              .where(StoredDocument.kind == "change-request")).scalar_one() == 2


def test_the_customer_opens_the_form_of_their_order_and_production_sees_no_prices(desk, tmp_path):
    order_id = approved(desk)
    ok(ask(desk, order_id, CHANGE), 201)
    path = f"/api/v1/orders/{order_id}/documents/change-request"

    assert "2,034.00" in text(saved(desk.api("customer").get(path), tmp_path, "customer.pdf"))
    printed = text(saved(desk.api("production").get(path), tmp_path, "production.pdf"))
    assert "DN50 PN25 加厚" in printed and "2,034.00" not in printed and "120.00" not in printed


def test_an_order_without_a_change_has_no_form(desk):
    order_id = approved(desk)
    response = desk.api("sales").get(f"/api/v1/orders/{order_id}/documents/change-request")
    assert response.status_code == 404
