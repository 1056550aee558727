"""Initial stock from a CSV or .xlsx file, through the API and the page: every row received, or none with each
bad row's errors."""
from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from plugins.stock import lots
from plugins.stock.models import MoveKind, StockBalance, StockLotBalance, StockMove, StockWarehouse, Tracking
from tests import factories
from tests.core.test_queries import statements
from tests.factories import portal_login


def csv_file(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode(encoding)


def xlsx_file(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(flow, data: bytes, filename: str = "stock.csv", role: str = "logistics"):
    return flow.api[role].post("/api/v1/stock/imports", data={"file": (io.BytesIO(data), filename)},
                               content_type="multipart/form-data")


def on_hand() -> dict[tuple[str, str], Decimal]:
    return {(row.product.code, row.warehouse.code): row.on_hand
            for row in db.session.execute(select(StockBalance)).scalars()}


def moves() -> int:
    return db.session.execute(select(func.count()).select_from(StockMove)).scalar_one()


def second_warehouse(world) -> StockWarehouse:
    found = StockWarehouse(company_id=world.company.id, code="WH2", name="二号仓", is_default=False)
    db.session.add(found)
    db.session.commit()
    return found


def test_a_good_csv_is_received_row_by_row_into_the_ledger_and_the_balances(flow, world):
    second_warehouse(world)
    data = csv_file([["product_code", "quantity", "warehouse_code", "note"],
                     ["P001", "10", "", "期初库存"], ["P002", "2.5", "WH2", ""], ["P001", "0.125", "WH2", ""]])
    assert flow.ok(upload(flow, data), 201) == {"received": 3}
    assert on_hand() == {("P001", "MAIN"): Decimal(10), ("P002", "WH2"): Decimal("2.5"),
                         ("P001", "WH2"): Decimal("0.125")}
    ledger = db.session.execute(select(StockMove).order_by(StockMove.id)).scalars().all()
    assert [(move.kind, move.product.code, move.on_hand, move.reason) for move in ledger] == [
        (MoveKind.RECEIPT, "P001", Decimal(10), "期初库存"), (MoveKind.RECEIPT, "P002", Decimal("2.5"), None),
        (MoveKind.RECEIPT, "P001", Decimal("0.125"), None)]
    listed = flow.ok(flow.api["sales"].get("/api/v1/stock/moves?kind=receipt"))
    assert listed["total"] == 3


def test_a_good_xlsx_with_chinese_headers_is_received(flow):
    data = xlsx_file([["商品编码", "数量", "备注"], ["P001", 7, "期初"], ["P002", 1.5, None]])
    assert flow.ok(upload(flow, data, "期初库存.xlsx"), 201) == {"received": 2}
    assert on_hand() == {("P001", "MAIN"): Decimal(7), ("P002", "MAIN"): Decimal("1.5")}


def test_a_gb18030_csv_is_read(flow):
    data = csv_file([["产品编码", "数量", "备注"], ["P002", "4", "盘点期初"]], "gb18030")
    assert flow.ok(upload(flow, data), 201) == {"received": 1}
    assert db.session.execute(select(StockMove.reason)).scalar_one() == "盘点期初"


def test_a_file_with_bad_rows_reports_each_and_receives_nothing(flow, app):
    other = factories.build_world(app, "OTHER", modules={"stock": True})
    factories.product(other.company, "THEIRS")
    data = csv_file([["product_code", "quantity", "warehouse_code"],
                     ["P001", "5", ""],           # row 2: good, yet not received
                     ["NOPE", "-1", ""],           # row 3: two errors
                     ["P002", "0", "WHX"],         # row 4: two errors
                     ["P002", "1.0001", ""],       # row 5
                     ["THEIRS", "1", ""],          # row 6: another company's product
                     ["P001", "abc", ""]])         # row 7
    answer = upload(flow, data)
    assert answer.status_code == 422, answer.get_json()
    errors = [(error["row"], error["field"]) for error in answer.get_json()["errors"]]
    assert errors == [(3, "product_code"), (3, "quantity"), (4, "quantity"), (4, "warehouse_code"),
                      (5, "quantity"), (6, "product_code"), (7, "quantity")]
    messages = {(error["row"], error["field"]): error["message"] for error in answer.get_json()["errors"]}
    assert "NOPE" in messages[(3, "product_code")] and "THEIRS" in messages[(6, "product_code")]
    assert "WHX" in messages[(4, "warehouse_code")] and "3" in messages[(5, "quantity")]
    assert moves() == 0 and on_hand() == {}


def test_a_missing_file_a_file_not_a_table_or_without_a_column_is_a_400_naming_the_file(flow):
    missing = flow.api["logistics"].post("/api/v1/stock/imports", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "file" in {e["field"] for e in missing.get_json()["errors"]}
    as_text = flow.api["logistics"].post("/api/v1/stock/imports", data={"file": "P001,1"},
                                         content_type="multipart/form-data")
    assert as_text.status_code == 400
    for data, filename in [(b"%PDF-1.4", "stock.pdf"), (b"not a zip", "stock.xlsx"),
                           (csv_file([["code", "qty"], ["P001", "1"]]), "stock.csv"),
                           (csv_file([["product_code", "quantity"]]), "stock.csv")]:
        answer = upload(flow, data, filename)
        assert answer.status_code == 400, (filename, answer.get_json())
        assert answer.get_json()["errors"][0]["field"] == "file"
    assert moves() == 0


def test_the_sales_clerk_may_not_import_stock(flow, app, world):
    assert upload(flow, csv_file([["product_code", "quantity"], ["P001", "1"]]), role="sales").status_code == 403
    assert portal_login(app, world.users["sales"]).get("/stock/imports").status_code == 403


def test_the_page_receives_a_file_and_shows_each_bad_row(app, world):
    staff = portal_login(app, world.users["logistics"])
    assert b"Import initial stock" in staff.get("/stock").data
    page = staff.get("/stock/imports")
    assert page.status_code == 200 and b"product_code" in page.data
    bad = csv_file([["product_code", "quantity"], ["P001", "3"], ["GHOST", "2"], ["P002", "-4"]])
    answer = staff.post("/stock/imports", data={"file": (io.BytesIO(bad), "stock.csv")},
                        content_type="multipart/form-data")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "row-errors" in text
    assert "GHOST" in text and "<td class=\"num\">3</td>" in text and "<td class=\"num\">4</td>" in text
    assert moves() == 0
    none = staff.post("/stock/imports", data={}, content_type="multipart/form-data")
    assert none.status_code == 400 and b"Choose the file to import." in none.data
    good = csv_file([["product_code", "quantity"], ["P001", "3"]])
    answer = staff.post("/stock/imports", data={"file": (io.BytesIO(good), "stock.csv")},
                        content_type="multipart/form-data")
    assert answer.status_code == 302 and on_hand() == {("P001", "MAIN"): Decimal(3)}


def test_an_import_costs_the_same_statements_with_3_products_and_moves_as_with_30(flow, world):
    """What the company already has (products, moves) does not change what importing a file costs."""
    data = csv_file([["product_code", "quantity"], ["P001", "1"], ["P002", "2"]])

    def counted() -> int:
        db.session.expire_all()
        with statements(db.engine) as seen:
            flow.ok(upload(flow, data), 201)
        return len(seen)

    assert counted() > 0  # the first import makes the default warehouse and the balances
    few = counted()
    for n in range(28):
        product = factories.product(world.company, f"S{n:03}")
        flow.ok(flow.api["logistics"].post("/api/v1/stock/receipts", json={
            "product_id": product.id, "quantity": "1"}), 201)
    assert counted() == few


def test_a_tracked_products_rows_name_their_lots_and_bad_lots_are_row_errors(flow, world):
    actor = world.users["logistics"]
    lots.set_tracking(actor, world.products[0], Tracking.LOT)
    lots.set_tracking(actor, world.products[1], Tracking.SERIAL)
    db.session.commit()
    bad = upload(flow, csv_file([["product_code", "quantity", "批号"], ["P001", "2", ""], ["P002", "2", "SN-1"],
                                 ["P002", "1", "SN-2"], ["P002", "1", "SN-2"]]))
    assert bad.status_code == 422
    assert [(error["row"], error["field"]) for error in bad.get_json()["errors"]] == [
        (2, "批号"), (3, "quantity"), (5, "批号")]
    assert moves() == 0
    good = upload(flow, csv_file([["product_code", "quantity", "lot"], ["P001", "2", "L-1"], ["P001", "3", "L-1"],
                                  ["P002", "1", "SN-1"]]))
    assert flow.ok(good, 201)["received"] == 3
    held = {row.lot.name: row.on_hand for row in db.session.execute(select(StockLotBalance)).scalars()}
    assert held == {"L-1": Decimal(5), "SN-1": Decimal(1)}
    again = upload(flow, csv_file([["product_code", "quantity", "lot"], ["P002", "1", "SN-1"]]))
    assert again.status_code == 422 and again.get_json()["errors"][0]["field"] == "lot"
    untracked = factories.product(world.company, "P900")
    refused = upload(flow, csv_file([["product_code", "quantity", "lot"], [untracked.code, "1", "L-9"]]))
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["row"] == 2
    assert moves() == 3
