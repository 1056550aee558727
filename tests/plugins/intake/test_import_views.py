"""The import pages: upload a file, preview it under a mapping, map and save the file's headers for a channel,
import it, follow the job and read the orders created and the row errors."""
from __future__ import annotations

import io
import re

from flask_babel import force_locale, get_locale
from openpyxl import load_workbook
from sqlalchemy import select

from core import companies, tabular_limits
from core.db import commit
from core.extensions import db
from core.models import Channel, Order, Role, utcnow
from plugins.intake import import_jobs, saved_mappings
from plugins.intake.mappings import FIELDS
from plugins.intake.models import ImportJob, ImportMapping, ImportStatus
from tests import factories
from tests.factories import portal_login
from tests.plugins.intake.test_import_uploads import TAOBAO_HEADER, taobao_file
from tests.plugins.intake.test_import_limits import entity_sheet, zip_bomb
from tests.plugins.intake.test_imports import GENERIC_HEADER, csv_bytes

# A shop's own export: the same Chinese headers as no built-in mapping spells them.
SHOP_HEADER = ["单号", "会员", "货号", "件数", "买家留言"]


def shop_file() -> bytes:
    rows = [["WX1", "C001", "P001", "3", "请尽快发货"], ["WX1", "C001", "P002", "10", ""],
            ["WX2", "C002", "NOPE", "1", ""], ["WX3", "C002", "P001", "0", "数量为零"]]
    return csv_bytes([SHOP_HEADER, *rows], encoding="gb18030")


def upload(client, data: bytes, filename: str = "微店订单.csv", mapping: str = "taobao", **extra):
    return client.post("/imports", data={"file": (io.BytesIO(data), filename), "mapping": mapping, **extra},
                       content_type="multipart/form-data")


def text(response) -> str:
    return response.get_data(as_text=True)


def only_job() -> ImportJob:
    return db.session.execute(select(ImportJob)).scalar_one()


def test_the_menu_leads_clerks_to_the_import_page_with_its_form_and_list(app, world):
    client = portal_login(app, world.users["sales"])

    page = client.get("/imports")

    assert page.status_code == 200
    assert 'href="/imports"' in text(client.get("/inbox"))
    body = text(page)
    assert 'enctype="multipart/form-data"' in body and 'name="file"' in body
    assert '<optgroup label="Built-in mappings">' in body and "Taobao/Tmall order export" in body
    assert "Nothing matches." in body


def test_an_uploaded_taobao_file_is_previewed_with_its_chinese_intact_and_each_header_s_field(app, world):
    client = portal_login(app, world.users["sales"])

    uploaded = upload(client, taobao_file(), filename="淘宝订单.csv")

    job = only_job()
    assert uploaded.status_code == 302 and uploaded.headers["Location"].endswith(f"/imports/{job.id}")
    assert job.status == ImportStatus.UPLOADED
    page = text(client.get(f"/imports/{job.id}"))
    assert "Preview of 淘宝订单.csv" in page
    assert "不锈钢阀门 DN50" in page and "张三" in page and "TB009" in page and "TB010" not in page  # 10 rows
    assert "订单编号<span class=\"fed\">→ Platform order number</span>" in page
    assert "宝贝标题<span class=\"fed not-fed\">not imported</span>" in page
    assert "Columns the mapping does not import: 宝贝标题" in page
    assert Order.query.count() == 0


def test_the_same_preview_reads_in_chinese(app, world):
    client = portal_login(app, world.users["sales"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    upload(client, taobao_file())

    page = text(client.get(f"/imports/{only_job().id}"))

    assert "订单编号<span class=\"fed\">→ 平台订单号</span>" in page
    assert "宝贝标题<span class=\"fed not-fed\">不导入</span>" in page


def test_the_whole_walk_map_a_shop_s_own_headers_save_them_for_a_channel_import_and_read_the_results(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, shop_file())
    job = only_job()

    # Under the Taobao mapping the shop's file lacks every required field: flagged by the mapping select.
    preview = text(client.get(f"/imports/{job.id}"))
    assert re.search(r'id="mapping-error1">the file has no header for Platform order number, Customer code, '
                     r'Product code, Quantity, which every import needs', preview)
    assert "请尽快发货" in preview and 'disabled>Import</button>' in preview

    saved = client.post(f"/imports/{job.id}/mapping", data={
        "current": "taobao", "edit-name": "weidian", "edit-label": "微店 导出", "edit-channel": "website",
        "edit-column_order_ref": "单号", "edit-column_customer_code": "会员", "edit-column_product_code": "货号",
        "edit-column_quantity": "件数", "edit-column_notes": "买家留言"})

    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/imports/{job.id}?mapping=weidian")
    row = db.session.execute(select(ImportMapping)).scalar_one()
    assert (row.label, row.channel, row.columns["customer_code"]) == ("微店 导出", Channel.WEBSITE, "会员")
    preview = text(client.get(saved.headers["Location"]))
    assert "Mapping 微店 导出 saved" in preview
    assert '<optgroup label="Saved mappings">' in preview and "微店 导出 (Company website)" in preview
    assert "会员<span class=\"fed\">→ Customer code</span>" in preview
    assert "买家留言<span class=\"fed\">→ Notes</span>" in preview and "mapping-error1" not in preview

    confirmed = client.post(f"/imports/{job.id}/confirm", data={"mapping": "weidian"})

    assert confirmed.status_code == 302
    db.session.expire_all()
    assert (job.status, job.mapping) == (ImportStatus.QUEUED, "weidian")
    waiting = text(client.get(f"/imports/{job.id}"))
    assert "Queued" in waiting and 'hx-trigger="every 3s"' in waiting and "0 of 4 rows" in waiting

    assert import_jobs.run_queued(world.company, utcnow()) == "1 import(s) run"

    page = text(client.get(f"/imports/{job.id}"))
    order = db.session.execute(select(Order)).scalar_one()
    assert (order.source_reference, order.channel, len(order.lines)) == ("weidian:WX1", Channel.WEBSITE, 2)
    assert f'href="/orders/{order.id}"' in page and "hx-trigger" not in page  # done: no more polling
    assert "4 of 4 rows" in page and "Imported" in page
    assert "<td class=\"num\">4</td><td>货号</td><td>product NOPE does not exist</td>" in page
    assert re.search(r"<td class=\"num\">5</td><td>件数</td><td>[^<]+</td>", page)
    listing = text(client.get("/imports?q=微店"))
    assert "微店订单.csv" in listing and "微店 导出" in listing and "Imported" in listing


def test_a_mapping_that_cannot_be_saved_shows_each_problem_next_to_its_field(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, shop_file())
    job = only_job()

    page = client.post(f"/imports/{job.id}/mapping", data={
        "current": "taobao", "edit-name": "jd", "edit-label": "", "edit-channel": "website",
        "edit-column_order_ref": "单号", "edit-column_customer_code": "单号", "edit-column_product_code": "货号"})

    body = text(page)
    assert page.status_code == 200
    assert 'id="edit-name-error1">jd is the name of a built-in mapping; choose another' in body
    assert 'id="edit-label-error1">the mapping needs a label' in body
    assert 'id="edit-column_quantity-error1">choose the header that holds this field' in body
    assert 'id="edit-column_customer_code-error1">the header 单号 already feeds another field' in body
    assert db.session.execute(select(ImportMapping)).first() is None


def test_importing_with_a_mapping_that_does_not_fit_is_refused_on_the_preview(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, shop_file())
    job = only_job()

    page = client.post(f"/imports/{job.id}/confirm", data={"mapping": "jd"})

    assert page.status_code == 200
    assert re.search(r'id="mapping-error1">the file has no header for', text(page))
    db.session.expire_all()
    assert job.status == ImportStatus.UPLOADED


def test_discarding_an_upload_leaves_nothing(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, taobao_file())

    discarded = client.post(f"/imports/{only_job().id}/discard", follow_redirects=True)

    assert "was discarded; nothing was imported" in text(discarded)
    assert db.session.execute(select(ImportJob)).first() is None


def test_bad_uploads_are_named_next_to_the_field_never_a_500(app, world):
    client = portal_login(app, world.users["sales"])

    no_file = client.post("/imports", data={"mapping": "taobao"}, content_type="multipart/form-data")
    wrong_type = upload(client, b"%PDF-1.7", filename="orders.pdf")
    empty = upload(client, b"", filename="orders.csv")
    unknown = upload(client, taobao_file(), mapping="shopify")

    assert 'id="file-error1">Choose the file to import.' in text(no_file)
    assert 'id="file-error1">orders.pdf is neither a CSV nor an Excel (.xlsx) file' in text(wrong_type)
    assert 'id="file-error1">orders.csv is empty' in text(empty)
    assert 'id="mapping-error1">there is no mapping shopify' in text(unknown)
    # The page again with the reason, as a bad request: the API answers these with a 400 too.
    assert all(response.status_code == 400 for response in (no_file, wrong_type, empty, unknown))
    assert db.session.execute(select(ImportJob)).first() is None


def test_an_unknown_mapping_asked_of_the_preview_is_named_by_the_select(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, taobao_file())

    page = client.get(f"/imports/{only_job().id}?mapping=shopify")

    assert page.status_code == 200 and 'id="mapping-error1">there is no mapping shopify' in text(page)


def test_imports_are_for_clerks_of_the_company_and_bad_ids_are_named(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, taobao_file())
    job = only_job()
    other = factories.build_world(app, "OTHER")
    commit()

    customer = portal_login(app, world.users["customer"])
    assert customer.get("/imports").status_code == 403
    assert customer.get(f"/imports/{job.id}").status_code == 403
    assert customer.post(f"/imports/{job.id}/confirm", data={"mapping": "taobao"}).status_code == 403
    rival = portal_login(app, other.users["sales"])
    missing = rival.get(f"/imports/{job.id}")
    assert missing.status_code == 404 and f"Import {job.id} does not exist" in text(missing)
    assert rival.post(f"/imports/{job.id}/discard").status_code == 404
    assert rival.post(f"/imports/{job.id}/confirm", data={"mapping": "taobao"}).status_code == 404
    assert client.get("/imports/abc").status_code == 404
    assert client.get("/imports/99999999999999").status_code == 404
    assert client.get("/imports?status=nope").status_code == 400
    db.session.expire_all()
    assert job.status == ImportStatus.UPLOADED


def test_an_import_s_page_says_why_it_failed(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, taobao_file())
    job = only_job()
    client.post(f"/imports/{job.id}/confirm", data={"mapping": "taobao"})
    world.users["sales"].active = False
    commit()
    import_jobs.run_queued(world.company, utcnow())

    page = text(portal_login(app, world.users["customer_service"]).get(f"/imports/{job.id}"))

    assert f"The import failed: {world.users['sales'].username}, who handed the file in, is no longer active" in page
    assert "Failed" in page


def test_a_file_header_only_differs_from_the_taobao_one_by_spelling_and_still_maps(app, world):
    """The first matching spelling of a field is used, as the import reads it: 宝贝数量 for the quantity."""
    header = [name if name != "购买数量" else "宝贝数量" for name in TAOBAO_HEADER]
    data = csv_bytes([header, ["TB1", "C001", "P001", "1", "", "李四", ""]], encoding="gb18030")
    client = portal_login(app, world.users["sales"])
    upload(client, data)

    page = text(client.get(f"/imports/{only_job().id}"))

    assert "宝贝数量<span class=\"fed\">→ Quantity</span>" in page


def test_a_clerk_who_may_not_see_prices_sees_none_of_the_file_s(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, taobao_file())
    role = Role.query.filter_by(company_id=world.company.id, name="sales").one()
    companies.set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()

    page = text(client.get(f"/imports/{only_job().id}"))

    assert "120.00" not in page and "商品单价<span class=\"fed\">→ Unit price</span>" in page
    assert "the prices of the file are not shown" in page


def test_a_price_column_the_mapping_does_not_import_is_not_shown_to_a_clerk_who_may_not_see_prices(app, world):
    # The price under a header the mapping does not read (a shop's own 实付金额), previewed by a clerk
    # whose role does not see prices: no value of it on the page, the fed columns' values still there.
    header = [*TAOBAO_HEADER, "实付金额"]
    data = csv_bytes([header, ["TB1", "C001", "P001", "2", "120.00", "张三", "不锈钢阀门 DN50", "238.50"]],
                     encoding="gb18030")
    client = portal_login(app, world.users["sales"])
    upload(client, data)
    role = Role.query.filter_by(company_id=world.company.id, name="sales").one()
    companies.set_role_permissions(role, role.permissions - {"order.view_prices"}, actor=None)
    commit()

    page = text(client.get(f"/imports/{only_job().id}"))

    assert "238.50" not in page and "120.00" not in page
    assert "实付金额<span class=\"fed not-fed\">" in page and "<td>TB1</td>" in page and "<td>张三</td>" in page


def test_a_saved_mapping_is_deleted_from_the_preview_once_confirmed(app, world):
    client = portal_login(app, world.users["sales"])
    upload(client, shop_file(), mapping="generic")
    job = only_job()
    client.post(f"/imports/{job.id}/mapping", data={
        "current": "generic", "edit-name": "weidian", "edit-label": "微店 导出", "edit-channel": "website",
        "edit-column_order_ref": "单号", "edit-column_customer_code": "会员", "edit-column_product_code": "货号",
        "edit-column_quantity": "件数"})
    assert "Delete this mapping" in text(client.get(f"/imports/{job.id}?mapping=weidian"))
    assert "Delete this mapping" not in text(client.get(f"/imports/{job.id}?mapping=taobao"))  # built in

    unticked = client.post(f"/imports/{job.id}/mapping/delete", data={"name": "weidian"}, follow_redirects=True)
    assert "Tick the box to confirm that the mapping is deleted." in text(unticked)
    assert db.session.execute(select(ImportMapping)).scalar_one().name == "weidian"

    deleted = client.post(f"/imports/{job.id}/mapping/delete", data={"name": "weidian", "confirm": "y"},
                          follow_redirects=True)

    assert "Mapping weidian deleted." in text(deleted)
    assert db.session.execute(select(ImportMapping)).first() is None
    gone = client.post(f"/imports/{job.id}/mapping/delete", data={"name": "weidian", "confirm": "y"},
                       follow_redirects=True)
    assert "there is no saved mapping weidian" in text(gone)


def test_an_import_s_row_errors_read_in_the_language_of_whoever_reads_them(app, world):
    """The worker writes the results down in no language: each reader sees them in their own."""
    client = portal_login(app, world.users["sales"])
    upload(client, shop_file())
    job = only_job()
    client.post(f"/imports/{job.id}/mapping", data={
        "current": "taobao", "edit-name": "weidian", "edit-label": "微店 导出", "edit-channel": "website",
        "edit-column_order_ref": "单号", "edit-column_customer_code": "会员", "edit-column_product_code": "货号",
        "edit-column_quantity": "件数"})
    client.post(f"/imports/{job.id}/confirm", data={"mapping": "weidian"})
    with app.test_request_context(), force_locale("zh_CN"):  # a worker that speaks Chinese
        assert str(get_locale()) == "zh_Hans_CN"
        import_jobs.run_queued(world.company, utcnow())

    english = text(client.get(f"/imports/{job.id}"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    chinese = text(client.get(f"/imports/{job.id}"))

    assert "<td>货号</td><td>product NOPE does not exist</td>" in english
    assert "<td>件数</td><td>the value must be greater than 0</td>" in english
    assert "<td>货号</td><td>产品 NOPE 不存在</td>" in chinese
    assert "<td>件数</td><td>数值必须大于 0</td>" in chinese


# --- template files, the generic mapping's headers, the Import button ---------------------------


def opened_sheet(data: bytes) -> list[list]:
    return [list(row) for row in load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True)]


def test_every_mapping_offers_a_template_file_whose_header_row_is_what_it_reads(app, world):
    saved_mappings.save(world.company, world.users["sales"], name="weidian", label="微店 导出", channel="website",
                        columns={"order_ref": "单号", "customer_code": "会员", "product_code": "货号",
                                 "quantity": "件数", "notes": "买家留言"})
    commit()
    client = portal_login(app, world.users["sales"])

    page = text(client.get("/imports"))

    expected = {"taobao": ["订单编号", "买家会员名", "商家编码", "购买数量", "商品单价", "要求到货日期", "收货人姓名",
                           "联系手机", "收货地址", "订单备注"],
                "jd": ["订单号", "客户编码", "商家编码", "订购数量", "单价", "期望配送日期", "收货人", "联系电话",
                       "收货地址", "订单备注"],
                "pinduoduo": ["订单号", "客户编码", "商家编码-SKU维度", "商品数量(件)", "商品单价", "要求到货日期",
                              "收货人", "手机", "收货地址", "商家备注"],
                "generic": list(FIELDS),
                "weidian": ["单号", "会员", "货号", "件数", "买家留言"]}
    for name, headers in expected.items():
        assert f'href="/imports/template?mapping={name}" download>' in page, name
        download = client.get(f"/imports/template?mapping={name}")
        assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
        assert download.headers["Content-Disposition"] == f'attachment; filename="{name}-template.xlsx"'
        assert opened_sheet(download.data) == [headers], name


def test_a_filled_in_template_file_previews_ready_to_import(app, world):
    client = portal_login(app, world.users["sales"])
    workbook = load_workbook(io.BytesIO(client.get("/imports/template").data))
    workbook.active.append(["T-1", "C001", "P001", 2])
    filled = io.BytesIO()
    workbook.save(filled)

    uploaded = upload(client, filled.getvalue(), filename="orders.xlsx", mapping="generic")

    preview = text(client.get(uploaded.headers["Location"]))
    assert 'class="primary">Import</button>' in preview and "import-blocked" not in preview
    assert 'href="/imports/template?mapping=generic" download>Template file of the mapping Generic' in preview


def test_a_template_file_of_no_mapping_is_named_and_only_clerks_who_import_get_one(app, world):
    clerk = portal_login(app, world.users["sales"])
    missing = clerk.get("/imports/template?mapping=nope")
    assert missing.status_code == 404 and "there is no mapping &#39;nope&#39;" in text(missing)

    assert portal_login(app, world.users["production"]).get("/imports/template").status_code == 403


def test_the_import_page_names_the_headers_the_generic_mapping_reads(app, world):
    client = portal_login(app, world.users["sales"])

    page = text(client.get("/imports"))

    table = page[page.index('id="generic-headers-title"'):]
    rows = re.findall(r'<tr><td><code translate="no">([^<]+)</code></td><td>([^<]+)</td><td>([^<]+)</td></tr>',
                      table)
    assert rows[:5] == [("order_ref", "Platform order number", "in every file"),
                        ("customer_code", "Customer code", "in every file"),
                        ("product_code", "Product code", "in every file"),
                        ("quantity", "Quantity", "in every file"),
                        ("unit_price", "Unit price", "optional")]
    assert [header for header, _field, _needed in rows] == list(FIELDS)


def test_import_stays_disabled_while_the_mapping_lacks_a_required_field_and_is_refused_naming_it(app, world):
    client = portal_login(app, world.users["sales"])
    no_quantity = csv_bytes([["order_ref", "customer_code", "product_code", "unit_price"],
                             ["G1", "C001", "P001", "120.00"]])
    upload(client, no_quantity, filename="orders.csv", mapping="generic")
    job = only_job()

    preview = text(client.get(f"/imports/{job.id}"))
    assert 'aria-describedby="import-blocked" disabled>Import</button>' in preview
    assert re.search(r'id="import-blocked" class="error">Import is possible once the mapping reads every field an '
                     r"import needs; it lacks: Quantity\.", preview)

    refused = client.post(f"/imports/{job.id}/confirm", data={"mapping": "generic"})

    assert refused.status_code == 200
    assert re.search(r'id="mapping-error1">the file has no header for Quantity, which every import needs',
                     text(refused))
    db.session.expire_all()
    assert job.status == ImportStatus.UPLOADED


def test_a_zip_bomb_uploaded_in_the_portal_is_named_next_to_the_file(app, world):
    client = portal_login(app, world.users["sales"])

    page = upload(client, zip_bomb(), filename="orders.xlsx", mapping="generic")

    assert page.status_code == 400  # the form again, as for every refused upload
    assert ('id="file-error1">xl/worksheets/sheet1.xml of orders.xlsx is compressed more than 100 to 1'
            in text(page))
    assert db.session.execute(select(ImportJob)).first() is None


def test_a_hostile_file_uploaded_in_the_portal_is_a_bad_request_naming_the_limit_next_to_the_file(app, world,
                                                                                                monkeypatch):
    monkeypatch.setattr(tabular_limits, "MAX_ROWS", 3)
    client = portal_login(app, world.users["sales"])
    rows = [["G1", "C001", "P001", "1"]] * 4
    hostile = [("nul.csv", csv_bytes([GENERIC_HEADER, ["G1\x00", "C001", "P001", "1"]]),
                "nul.csv contains a NUL byte (line 2): a CSV file holds text only"),
               ("entities.xlsx", entity_sheet(),
                "xl/worksheets/sheet1.xml of entities.xlsx declares a DOCTYPE or XML entities"),
               ("long.csv", csv_bytes([GENERIC_HEADER, ["G1", "C001", "P001", "1", "备注" * 10_001]]),
                "line 2 of long.csv is longer than the limit of 20000 characters"),
               ("rows.csv", csv_bytes([GENERIC_HEADER, *rows]),
                "rows.csv has more than 3 rows; split it into smaller files"),
               ("utf16.csv", csv_bytes([GENERIC_HEADER, *rows[:1]], encoding="utf-16"),
                "utf16.csv has an unknown encoding; save it as UTF-8 or GB18030")]

    for filename, data, message in hostile:
        page = upload(client, data, filename=filename, mapping="generic")

        assert page.status_code == 400, filename
        assert f'id="file-error1">{message}' in text(page)
        assert 'name="file"' in text(page)  # the upload form, to pick another file
    assert db.session.execute(select(ImportJob)).first() is None
