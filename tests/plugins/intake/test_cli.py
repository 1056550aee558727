"""``ordo import orders`` with a saved mapping, and its message for a mapping that does not exist."""
from __future__ import annotations

from core.db import commit
from core.extensions import db
from core.models import Channel, Order
from plugins.intake.models import ImportMapping
from tests.plugins.intake.test_imports import csv_bytes


def test_the_cli_imports_with_a_mapping_the_company_saved(app, world, tmp_path):
    db.session.add(ImportMapping(company_id=world.company.id, name="phone_list", label="电话订单登记表",
                                 channel=Channel.PHONE, columns={"order_ref": "登记号", "customer_code": "客户",
                                                                 "product_code": "产品", "quantity": "数量"}))
    commit()
    path = tmp_path / "登记表.csv"
    path.write_bytes(csv_bytes([["登记号", "客户", "产品", "数量"], ["D1", "C001", "P002", "4"]], "gb18030"))

    result = app.test_cli_runner().invoke(args=["import", "orders", str(path), "--mapping", "phone_list",
                                                "--username", world.users["sales"].username])

    assert result.exit_code == 0, result.output
    order = Order.query.filter_by(company_id=world.company.id).one()
    assert (order.source_reference, order.channel) == ("phone_list:D1", Channel.PHONE)


def test_the_cli_names_the_mappings_there_are_when_one_does_not_exist(app, world, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"order_ref\nA\n")

    result = app.test_cli_runner().invoke(args=["import", "orders", str(path), "--mapping", "shopify",
                                                "--username", world.users["sales"].username])

    assert result.exit_code == 1
    assert "there is no mapping shopify; the company has taobao, jd, pinduoduo, generic" in result.output
