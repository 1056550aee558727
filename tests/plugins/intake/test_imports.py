"""Importing orders from e-commerce exports: per-row errors, re-imports, encodings, xlsx, refusals."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from core import companies
from core.db import commit
from core.errors import PermissionDenied
from core.models import Channel, Order, OrderStatus, Role
from plugins.intake import imports, mappings
from plugins.intake.imports import ImportRefused
from tests.plugins.intake.helpers import next_week

GENERIC = mappings.BUILT_IN["generic"]
TAOBAO = mappings.BUILT_IN["taobao"]
GENERIC_HEADER = ["order_ref", "customer_code", "product_code", "quantity", "unit_price", "requested_date"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def thousand_rows() -> tuple[bytes, set[tuple[int, str]]]:
    """1,000 one-line orders; every tenth row is bad in one of four ways. Returns the file and the bad cells."""
    rows, bad = [GENERIC_HEADER], set()
    when = next_week().isoformat()
    for n in range(1000):
        row = [f"W{n:04d}", "C001", "P001", "2", "120.00", when]
        if n % 10 == 3:
            kind = (n // 10) % 4
            column = ("product_code", "quantity", "unit_price", "customer_code")[kind]
            row[GENERIC_HEADER.index(column)] = ("NOPE", "zwei", "1.234", "C999")[kind]
            bad.add((n + 2, column))
        rows.append(row)
    return csv_bytes(rows), bad


def imported(world) -> int:
    return Order.query.filter_by(company_id=world.company.id).count()


def test_a_thousand_rows_with_a_hundred_bad_ones_give_nine_hundred_orders_and_a_hundred_row_errors(app, world):
    data, bad = thousand_rows()
    result = imports.import_orders(world.company, "orders.csv", data, GENERIC, world.users["sales"])

    assert result.rows == 1000
    assert len(result.created) == 900 and imported(world) == 900
    assert {(error.row, error.column) for error in result.errors} == bad
    assert len(result.errors) == 100
    first = result.errors[0]
    assert (first.row, first.column) == (5, "product_code") and "P001" not in first.reason and "NOPE" in first.reason
    assert all(order.status == OrderStatus.DRAFT and order.channel == Channel.ECOMMERCE
               for order in Order.query.filter_by(company_id=world.company.id))

    again = imports.import_orders(world.company, "orders.csv", data, GENERIC, world.users["sales"])
    assert again.created == [] and imported(world) == 900
    assert len(again.already_imported) == 900


def test_a_taobao_export_makes_one_order_of_the_rows_sharing_an_order_id(app, world):
    header = ["订单编号", "买家会员名", "商家编码", "购买数量", "商品单价", "收货人姓名", "联系手机", "收货地址",
              "订单备注", "店铺名称"]
    rows = [header,
            ["TB1001", "C001", "P001", "2", "120.00", "李娜", "13800000000", "杭州市西湖区文三路 1 号", "请尽快发货",
             "旗舰店"],
            ["TB1001", "C001", "P002", "10", "", "", "", "", "", "旗舰店"],
            ["TB1002", "C002", "P002", "5", "8.50", "赵强", "13900000000", "北京市朝阳区", "", "旗舰店"],
            ["TB1002", "C002", "P001", "0", "120.00", "", "", "", "", "旗舰店"]]
    result = imports.import_orders(world.company, "taobao.csv", csv_bytes(rows, "utf-8-sig"), TAOBAO,
                                   world.users["sales"])

    assert len(result.created) == 1
    order = Order.query.filter_by(source_reference="taobao:TB1001").one()
    assert [(line.product.code, line.quantity) for line in order.lines] == [("P001", Decimal("2.000")),
                                                                              ("P002", Decimal("10.000"))]
    assert order.lines[1].unit_price == Decimal("8.50")  # the list price, as the row gave none
    assert (order.contact, order.delivery_address, order.notes) == ("李娜", "杭州市西湖区文三路 1 号", "请尽快发货")
    assert [(error.row, error.column, error.reason) for error in result.errors] == [
        (5, "购买数量", "the value must be greater than 0")]
    assert result.warnings == ["column 店铺名称 is not part of the mapping taobao and was not imported"]


def test_a_gb18030_file_imports_with_its_chinese_intact(app, world):
    rows = [["订单编号", "买家会员名", "商家编码", "购买数量", "收货人姓名", "联系手机", "收货地址", "订单备注"],
            ["TB2001", "C001", "P001", "1", "欧阳锋", "13700000000", "广东省深圳市南山区科技园", "周末不收货"]]
    data = csv_bytes(rows, "gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = imports.import_orders(world.company, "导出.csv", data, TAOBAO, world.users["sales"])

    assert result.errors == [] and len(result.created) == 1
    order = Order.query.filter_by(source_reference="taobao:TB2001").one()
    assert (order.contact, order.delivery_address, order.notes) == ("欧阳锋", "广东省深圳市南山区科技园", "周末不收货")


def test_an_xlsx_file_imports_and_can_submit_its_orders(app, world):
    book = Workbook()
    sheet = book.active
    sheet.append(GENERIC_HEADER)
    sheet.append(["X1", "C001", "P001", 3, 120, next_week()])
    sheet.append(["X1", "C001", "P002", 4.5, 8.5, next_week()])
    out = io.BytesIO()
    book.save(out)
    result = imports.import_orders(world.company, "orders.xlsx", out.getvalue(), GENERIC, world.users["sales"],
                                   submit=True)

    assert result.errors == [] and result.submitted == 1
    order = Order.query.filter_by(source_reference="generic:X1").one()
    assert order.number and order.status != OrderStatus.DRAFT
    assert [line.quantity for line in order.lines] == [Decimal("3.000"), Decimal("4.500")]
    assert len(order.lines) == 2


@pytest.mark.parametrize(("name", "data", "message"), [
    ("orders.txt", b"a,b\n1,2\n", "orders.txt is neither a CSV nor an Excel (.xlsx) file"),
    ("orders.csv", b"", "orders.csv is empty"),
    ("orders.csv", b"order_ref,customer_code,product_code,quantity\n",
     "orders.csv is empty: it has no rows under the header"),
    ("orders.csv", "order_ref\n€".encode("utf-16"), "orders.csv has an unknown encoding; save it as UTF-8 or GB18030"),
    ("orders.xlsx", b"not a zip", "orders.xlsx is not a readable Excel (.xlsx) file"),
    ("orders.csv", b"order_ref,quantity\nA,1\n",
     "the file has no column customer_code, product_code, which the mapping generic needs"),
])
def test_a_file_that_cannot_be_imported_is_refused_with_the_reason(app, world, name, data, message):
    with pytest.raises(ImportRefused) as refused:
        imports.import_orders(world.company, name, data, GENERIC, world.users["sales"])
    assert str(refused.value) == message
    assert imported(world) == 0


def test_a_file_over_the_size_limit_is_refused(app, world, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 1024 * 1024)
    data = b"order_ref,customer_code,product_code,quantity\n" + b"A,C001,P001,1\n" * 80000
    with pytest.raises(ImportRefused, match="orders.csv is larger than the limit of 1 MB"):
        imports.import_orders(world.company, "orders.csv", data, GENERIC, world.users["sales"])


def test_the_cli_imports_with_a_progress_bar_and_a_summary(app, world, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_bytes([GENERIC_HEADER, ["K1", "C001", "P001", "1", "", ""],
                                ["K2", "C001", "NOPE", "1", "", ""]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "orders", str(path), "--mapping", "generic", "--company", "ACME",
                                 "--username", world.users["sales"].username])

    assert result.exit_code == 0, result.output
    assert "2 rows, 1 orders created (0 submitted), 0 already imported, 1 errors" in result.output
    assert "row 3, column product_code: product NOPE does not exist" in result.output
    again = runner.invoke(args=["import", "orders", str(path), "--mapping", "generic", "--company", "ACME",
                                "--username", world.users["sales"].username])
    assert "0 orders created" in again.output and "already imported: K1" in again.output


def test_a_clerk_who_may_not_see_prices_is_told_the_list_prices_apply(app, world):
    role = Role.query.filter_by(company_id=world.company.id, name="customer_service").one()
    companies.set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()
    rows = [GENERIC_HEADER, ["N1", "C001", "P001", "1", "99.00", ""]]
    result = imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC,
                                   world.users["customer_service"])

    assert result.warnings == ["you may not set prices: the column unit_price was not imported and the list "
                               "prices apply"]
    assert Order.query.filter_by(source_reference="generic:N1").one().lines[0].unit_price == Decimal("120.00")


def test_who_may_not_enter_orders_may_not_import_them(app, world):
    rows = [GENERIC_HEADER, ["L1", "C001", "P001", "1", "", ""]]
    with pytest.raises(PermissionDenied, match="you may not enter orders, so you may not import them"):
        imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["logistics"])
    assert imported(world) == 0


def test_the_cli_says_why_it_refuses_a_file(app, world, tmp_path):
    path = tmp_path / "orders.txt"
    path.write_text("order_ref\nA\n")
    result = app.test_cli_runner().invoke(args=["import", "orders", str(path), "--mapping", "generic",
                                                "--username", world.users["sales"].username])

    assert result.exit_code == 1
    assert "orders.txt is neither a CSV nor an Excel (.xlsx) file" in result.output
