"""Importing orders from e-commerce exports: per-row errors, re-imports, encodings, xlsx, refusals."""
from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook

from sqlalchemy import select

from core import companies, masterdata, tabular
from core.db import commit
from core.errors import PermissionDenied
from core.extensions import db
from core.masterdata import update as update_master
from core.models import AuditEntry, Channel, DeliveryMethod, Order, OrderStatus, PaymentTerms, Role, utcnow
from core.stored_text import shown
from plugins.intake import imports, mappings, services
from core.tabular_limits import ImportRefused
from plugins.intake.manifest import MANIFEST
from tests import factories
from tests.plugins.intake import credit_hold
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
    reason = shown(first.reason)
    assert (first.row, first.column) == (5, "product_code") and "P001" not in reason and "NOPE" in reason
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
    assert [(error.row, error.column, shown(error.reason)) for error in result.errors] == [
        (5, "购买数量", "the value must be greater than 0")]
    assert [shown(warning) for warning in result.warnings] == [
        "column 店铺名称 is not part of the mapping taobao and was not imported"]


def test_a_taobao_export_s_formula_wrapped_cells_import_as_the_text_they_show(app, world):
    """Taobao writes its long order ids (and phone numbers) as ="…" so a spreadsheet keeps every digit."""
    header = ["订单编号", "买家会员名", "商家编码", "购买数量", "联系手机", "订单备注"]
    rows = [header, ['="3914657208893621546"', "C001", '="P001"', "2", ' ="13800000000" ', '="请走 ""顺丰"""'],
            ["=1+1", "C001", "P002", "1", "", '="unclosed']]
    result = imports.import_orders(world.company, "ExportOrderList.csv", csv_bytes(rows, "utf-8-sig"), TAOBAO,
                                   world.users["sales"])

    assert result.errors == [] and len(result.created) == 2
    order = Order.query.filter_by(source_reference="taobao:3914657208893621546").one()
    assert [line.product.code for line in order.lines] == ["P001"]
    assert (order.phone, order.notes) == ("13800000000", '请走 "顺丰"')
    other = Order.query.filter_by(source_reference="taobao:=1+1").one()  # not a wrapper: kept as it is
    assert other.notes == '="unclosed'


def test_an_xlsx_cell_holding_the_wrapper_as_text_reads_as_the_text_inside():
    workbook = Workbook()
    workbook.active.append(["订单编号", "购买数量"])
    workbook.active.append(['="3914657208893621546"', 3])
    workbook.active["A2"].data_type = "s"  # text, not a formula: as a platform's exporter writes it
    out = io.BytesIO()
    workbook.save(out)

    assert tabular.read_table("orders.xlsx", out.getvalue()) == [["订单编号", "购买数量"],
                                                                 ["3914657208893621546", "3"]]


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


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_long_chinese_file_reads_whole_though_it_is_decoded_a_slice_at_a_time(encoding):
    """A character whose bytes straddle two slices of the file is still one character, in either encoding."""
    rows = [["订单编号", "订单备注"], *([f"TB{n}", "周末不收货，" * (n % 40 + 1)] for n in range(2000))]
    data = csv_bytes(rows, encoding)
    assert len(data) > 4 * tabular._DECODED

    assert tabular.read_table("导出.csv", data) == rows


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
    monkeypatch.setattr(tabular, "MAX_BYTES", 1024 * 1024)
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

    assert [shown(warning) for warning in result.warnings] == [
        "you may not set prices: the column unit_price was not imported and the list prices apply"]
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


# --- the bulk path stores what an entry by hand stores ----------------------------------------

ALL_FIELDS_HEADER = [*GENERIC_HEADER, "contact", "phone", "address", "notes"]


def columns_of(row, leave_out: set[str]) -> dict:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns if column.key not in leave_out}


def entered_by_hand(world, source: str, lines: list[dict], **header) -> Order:
    """The same order as the import makes of its rows, entered through ``services.create_draft``."""
    data = {"customer_id": world.customers[0].id, "channel": Channel.ECOMMERCE, "source_reference": source,
            "customer_reference": source.split(":", 1)[1], "lines": lines, **header}
    order = services.create_draft(world.company, data, world.users["sales"])
    commit()
    return order


@pytest.mark.parametrize("given", [True, False], ids=["contact-given", "contact-from-the-customer"])
def test_an_imported_order_is_stored_field_by_field_as_the_same_order_entered_by_hand(app, world, given):
    customer, (valve, seal) = world.customers[0], world.products
    update_master(customer, data={"payment_terms": PaymentTerms.MONTHLY, "delivery_method": DeliveryMethod.FREIGHT},
                  actor=None)
    commit()
    when = next_week()
    contact = ["李娜", "13800000000", "杭州市西湖区文三路 1 号", "请尽快发货"] if given else ["", "", "", ""]
    rows = [ALL_FIELDS_HEADER, ["R1", "C001", "P001", "3", "", when.isoformat(), *contact],
            ["R1", "C001", "P002", "7.5", "8.33", "", "", "", "", ""]]
    started = utcnow()
    result = imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["sales"])
    assert result.errors == [] and len(result.created) == 1
    imported_order = db.session.get_one(Order, result.created[0])
    header = dict(zip(("contact", "phone", "delivery_address", "notes"), contact, strict=True)) if given else {}
    by_hand = entered_by_hand(world, "generic:R1", [
        {"product_id": valve.id, "quantity": Decimal("3")},
        {"product_id": seal.id, "quantity": Decimal("7.5"), "unit_price": Decimal("8.33")}],
        requested_date=when, **header)

    moments = {"id", "created_at", "received_at", "status_changed_at"}
    assert columns_of(imported_order, moments) == columns_of(by_hand, moments)
    assert started <= imported_order.received_at <= imported_order.created_at <= utcnow()
    assert started <= imported_order.status_changed_at <= utcnow()
    assert imported_order.payment_terms == PaymentTerms.MONTHLY and imported_order.number is None
    assert imported_order.delivery_method == DeliveryMethod.FREIGHT  # the customer's, as on entry
    assert (imported_order.contact, imported_order.phone) == ((contact[0], contact[1]) if given else
                                                              (customer.contact, customer.phone))
    assert [columns_of(line, {"id", "order_id"}) for line in imported_order.lines] == [
        columns_of(line, {"id", "order_id"}) for line in by_hand.lines]
    assert imported_order.lines[1].amount == Decimal("70.60")  # 62.48 net + 8.12 tax, rounded per line
    entries = [db.session.execute(select(AuditEntry).where(AuditEntry.order_id == order.id)).scalar_one()
               for order in (imported_order, by_hand)]
    received = [entry.after.pop("received_at") for entry in entries]
    assert received == [str(imported_order.received_at), str(by_hand.received_at)]
    assert [columns_of(entry, {"id", "at", "order_id", "entity_id"}) for entry in entries] == [
        columns_of(entries[1], {"id", "at", "order_id", "entity_id"})] * 2
    assert (entries[0].order_id, entries[0].entity_id, entries[0].action) == (imported_order.id,) * 2 + ("created",)


def test_an_imported_order_without_a_requested_date_gets_the_slowest_products_lead_time(app, world):
    update_master(world.products[1], data={"lead_time_days": 12}, actor=None)
    commit()
    rows = [GENERIC_HEADER, ["D1", "C001", "P001", "1", "", ""], ["D1", "C001", "P002", "1", "", ""]]
    result = imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["sales"])

    assert db.session.get_one(Order, result.created[0]).requested_date == world.company.today() + timedelta(days=12)


def test_hook_customer_credit_hold_leaves_the_held_customers_orders_drafts_asked_once_per_chunk(make_app,
                                                                                                monkeypatch):
    app = make_app(plugins=[MANIFEST, credit_hold.MANIFEST])
    with app.app_context():
        world = factories.build_world(app)
        monkeypatch.setattr(imports, "CHUNK", 3)
        credit_hold.HELD.clear()
        credit_hold.ASKED.clear()
        credit_hold.HELD["C001"] = "上海华东机电有限公司 is on credit hold: 2 invoice(s) unpaid"
        try:
            def rows(prefix):
                return [GENERIC_HEADER, *([f"{prefix}{n}", "C001" if n % 2 else "C002", "P001", "1", "", ""]
                                          for n in range(6))]

            result = imports.import_orders(world.company, "orders.csv", csv_bytes(rows("H")), GENERIC,
                                           world.users["sales"])
            assert result.errors == []  # a warning, not a refusal: all six taken as drafts
            assert sorted(order.source_reference for order in Order.query) == [f"generic:H{n}" for n in range(6)]
            assert sorted(credit_hold.ASKED) == ["C001", "C001", "C002", "C002"]  # two chunks, two customers

            submitted = imports.import_orders(world.company, "orders.csv", csv_bytes(rows("S")), GENERIC,
                                              world.users["sales"], submit=True)
            held = "上海华东机电有限公司 is on credit hold: 2 invoice(s) unpaid"
            assert submitted.errors == [] and submitted.submitted == 3
            assert [shown(warning) for warning in submitted.warnings] == [
                f"order generic:{ref} was left as a draft: its warnings need a clerk's confirmation ({held})"
                for ref in ("S1", "S3", "S5")]
        finally:
            credit_hold.HELD.clear()
            credit_hold.ASKED.clear()


def test_each_chunk_is_committed_and_reported_with_the_rows_it_took(app, world, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 2)
    rows = [GENERIC_HEADER, ["G1", "C001", "P001", "1", "", ""], ["G1", "C001", "P002", "1", "", ""],
            ["G2", "C001", "NOPE", "1", "", ""], ["G3", "C002", "P001", "1", "", ""]]
    done = []
    result = imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["sales"],
                                   progress=done.append)

    assert done == [3, 1]
    assert [db.session.get_one(Order, order_id).source_reference for order_id in result.created] == ["generic:G1",
                                                                                          "generic:G3"]
    assert [(error.row, error.column) for error in result.errors] == [(4, "product_code")]


def test_an_order_whose_rows_are_far_apart_is_one_order_though_its_chunk_waits_for_its_last_row(app, world,
                                                                                                monkeypatch):
    """Chunks are orders in the order of their first row, as before the import streamed: a chunk is imported once
    its last row is read, so an order spread over the file is still one order."""
    monkeypatch.setattr(imports, "CHUNK", 2)
    rows = [GENERIC_HEADER, ["F1", "C001", "P001", "1", "", ""], ["F2", "C001", "P001", "2", "", ""],
            ["F3", "C002", "P001", "3", "", ""], ["F1", "C001", "P002", "4", "", ""],
            ["F4", "C002", "NOPE", "5", "", ""], ["F5", "C001", "P001", "6", "", ""],
            ["F3", "C002", "P002", "7", "", ""]]
    done = []
    result = imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["sales"],
                                   progress=done.append)

    assert done == [3, 3, 1]  # F1 and F2 (3 rows), F3 and F4 (3 rows, complete at the last row), F5
    orders = [db.session.get_one(Order, order_id) for order_id in result.created]
    assert [(order.source_reference, [(line.product.code, int(line.quantity)) for line in order.lines])
            for order in orders] == [("generic:F1", [("P001", 1), ("P002", 4)]), ("generic:F2", [("P001", 2)]),
                                     ("generic:F3", [("P001", 3), ("P002", 7)]), ("generic:F5", [("P001", 6)])]
    assert [(error.row, error.column) for error in result.errors] == [(6, "product_code")]
    assert result.rows == 7


def test_the_import_reads_the_file_row_by_row_importing_each_chunk_before_reading_on(app, world, monkeypatch):
    """Read once through the limits, then again, and each chunk is imported as soon as its last row is read."""
    monkeypatch.setattr(imports, "CHUNK", 2)
    read: list[int] = []  # the rows each reading of the file gave so far, header included
    rows_of = tabular.rows_of

    def counted(filename: str, data: bytes):
        read.append(0)
        for row in rows_of(filename, data):
            read[-1] += 1
            yield row

    monkeypatch.setattr(imports, "rows_of", counted)
    rows = [GENERIC_HEADER, *([f"R{n}", "C001", "P001", "1", "", ""] for n in range(6))]
    seen = []
    imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["sales"],
                          progress=lambda done: seen.append(list(read)))

    assert seen == [[7, 3], [7, 5], [7, 7]]


def test_what_an_import_holds_does_not_grow_with_the_file(app, world, monkeypatch):
    """The largest file the limits allow is imported in bounded memory: four times the rows, the same peak."""
    monkeypatch.setattr(imports, "CHUNK", 20)
    when = next_week().isoformat()
    note = "请在周五前送到仓库，联系电话见订单" * 40  # 680 characters: a row holds about 1.5 KB in memory

    def peak(name: str, orders: int) -> int:
        """The most the import of ``orders`` orders of two rows allocated at once, the file itself aside."""
        data = csv_bytes([[*GENERIC_HEADER, "notes"], *([f"{name}{n // 2}", "C001", f"P00{1 + n % 2}", "1", "",
                                                        when, note] for n in range(2 * orders))])
        tracemalloc.start()
        try:
            result = imports.import_orders(world.company, "orders.csv", data, GENERIC, world.users["sales"])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert len(result.created) == orders

    peak("W", 100)  # what the first import of a process allocates once (compiled statements, caches)
    small, large = peak("S", 100), peak("L", 400)

    # Holding the file as a table would take over 1 MB more for 800 rows than for 200.
    assert large - small < 300_000, (small, large)


def test_submitting_an_import_leaves_orders_with_warnings_as_drafts_and_says_why(app, world):
    rows = [GENERIC_HEADER, ["S1", "C001", "P001", "1", "", next_week().isoformat()],
            ["S2", "C001", "P002", "1", "5.00", next_week().isoformat()]]
    result = imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["sales"],
                                   submit=True)

    assert result.submitted == 1 and len(result.created) == 2
    first, second = (db.session.get_one(Order, order_id) for order_id in result.created)
    assert first.number and first.status != OrderStatus.DRAFT
    assert second.number is None and second.status == OrderStatus.DRAFT
    assert [shown(warning) for warning in result.warnings] == [
        "order generic:S2 was left as a draft: its warnings need a clerk's confirmation "
        "(line 1: the unit price is under the floor price of product P002; finance will review it)"]


def test_an_imported_line_without_a_price_takes_the_customer_s_agreed_price(app, world):
    masterdata.set_price(world.customers[0], world.products[0].id, Decimal("110.00"), world.users["sales"])
    commit()
    rows = [GENERIC_HEADER, ["AP1", "C001", "P001", "2", "", ""], ["AP2", "C002", "P001", "2", "", ""]]

    imports.import_orders(world.company, "orders.csv", csv_bytes(rows), GENERIC, world.users["sales"])

    prices = {order.source_reference: order.lines[0].unit_price
              for order in Order.query.filter_by(company_id=world.company.id)}
    assert prices == {"generic:AP1": Decimal("110.00"), "generic:AP2": Decimal("120.00")}


def test_a_cell_with_a_control_character_is_a_row_error_naming_its_column(app, world):
    header = ["订单编号", "买家会员名", "商家编码", "购买数量", "商品单价", "收货人姓名", "联系手机", "收货地址",
              "订单备注"]
    rows = [header,
            ["TB2001", "C001", "P001", "2", "120.00", "李\x07娜", "13800000000", "杭州市", ""],
            ["TB2002", "C001", "P001", "2", "120.00", "李娜", "13800000000", "杭州市\n西湖区", "请\r\n尽快\t发货"],
            ["TB2003", "C001", "P001", "2", "120.00", "李娜", "138\x1b00000000", "杭州市\x0b西湖区", ""]]
    result = imports.import_orders(world.company, "taobao.csv", csv_bytes(rows), TAOBAO, world.users["sales"])

    assert [(error.row, error.column, shown(error.reason)) for error in result.errors] == [
        (2, "收货人姓名", "the value contains a control character (U+0007)"),
        (4, "联系手机", "the value contains a control character (U+001B)"),
        (4, "收货地址", "the value contains a control character (U+000B)")]
    order = Order.query.filter_by(source_reference="taobao:TB2002").one()  # lines where a field allows them
    assert len(result.created) == 1 and order.delivery_address == "杭州市\n西湖区"
