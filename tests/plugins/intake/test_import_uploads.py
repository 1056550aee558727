"""The portal's way in: a file uploaded is stored and previewed under a mapping, then confirmed or discarded;
uploads nobody confirms are removed by the job after a day."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.db import commit
from core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Order, utcnow
from plugins.intake import import_jobs, mappings
from core.tabular_limits import ImportRefused
from plugins.intake.models import ImportJob, ImportStatus
from tests import factories
from tests.plugins.intake.helpers import next_week
from tests.plugins.intake.test_import_limits import entity_sheet, zip_bomb
from tests.plugins.intake.test_imports import GENERIC_HEADER, csv_bytes

TAOBAO_HEADER = ["订单编号", "买家会员名", "商家编码", "购买数量", "商品单价", "收货人姓名", "宝贝标题"]


def taobao_file(rows: int = 12) -> bytes:
    """A Taobao-like export in GB18030: one header, ``rows`` one-line orders."""
    body = [[f"TB{n:03d}", "C001", "P001", "2", "120.00", "张三", "不锈钢阀门 DN50"] for n in range(rows)]
    return csv_bytes([TAOBAO_HEADER, *body], encoding="gb18030")


def uploaded(world, data: bytes | None = None, mapping: str = "taobao", **options) -> ImportJob:
    job = import_jobs.upload(world.company, world.users["sales"], "淘宝订单.csv", data or taobao_file(), mapping,
                             **options)
    commit()
    return job


def test_an_upload_is_stored_waiting_for_confirmation_and_imports_nothing(app, world):
    job = uploaded(world)

    assert (job.status, job.rows_total, job.mapping, job.filename) == (ImportStatus.UPLOADED, 12, "taobao",
                                                                       "淘宝订单.csv")
    assert import_jobs.run_queued(world.company, utcnow()) is None  # the job never runs an upload
    assert job.status == ImportStatus.UPLOADED
    assert Order.query.filter_by(company_id=world.company.id).count() == 0


def test_an_upload_whose_mapping_lacks_columns_is_still_stored_to_be_mapped(app, world):
    job = uploaded(world, mapping="generic")

    assert job.status == ImportStatus.UPLOADED


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("orders.pdf", b"%PDF", "orders.pdf is neither a CSV nor an Excel (.xlsx) file"),
    ("orders.csv", b"", "orders.csv is empty"),
    ("orders.csv", b"order_ref,customer_code\n", "orders.csv is empty: it has no rows under the header"),
    ("orders.csv", "订单".encode("utf-16"), "orders.csv has an unknown encoding; save it as UTF-8 or GB18030"),
])
def test_an_unreadable_file_is_refused_at_upload_and_nothing_is_stored(app, world, filename, data, message):
    with pytest.raises(ImportRefused, match=re.escape(message)) as refused:
        import_jobs.upload(world.company, world.users["sales"], filename, data, "generic")
    assert refused.value.field == "file"
    assert db.session.query(ImportJob).count() == 0


def test_an_upload_with_an_unknown_mapping_is_refused_by_name(app, world):
    with pytest.raises(ValidationError, match="there is no mapping shopify") as refused:
        import_jobs.upload(world.company, world.users["sales"], "orders.csv", taobao_file(), "shopify")
    assert refused.value.field == "mapping"


def test_the_preview_shows_the_first_rows_in_chinese_and_the_field_each_header_feeds(app, world):
    job = uploaded(world)

    preview = import_jobs.preview(job, mappings.BUILT_IN["taobao"])

    assert preview.headers == TAOBAO_HEADER
    assert len(preview.rows) == 10 and preview.rows_total == 12
    assert preview.rows[0] == ["TB000", "C001", "P001", "2", "120.00", "张三", "不锈钢阀门 DN50"]
    assert preview.fields == ["order_ref", "customer_code", "product_code", "quantity", "unit_price", "contact", None]
    assert (preview.unknown, preview.missing, preview.importable) == (["宝贝标题"], [], True)
    assert preview.header_of("quantity") == "购买数量" and preview.header_of("phone") is None


def test_the_preview_under_a_mapping_that_does_not_fit_names_the_required_fields_missing(app, world):
    job = uploaded(world)

    preview = import_jobs.preview(job, mappings.BUILT_IN["generic"], rows=3)

    assert len(preview.rows) == 3
    assert preview.fields == [None] * len(TAOBAO_HEADER)
    assert preview.missing == ["order_ref", "customer_code", "product_code", "quantity"]
    assert preview.unknown == TAOBAO_HEADER and not preview.importable


def test_a_short_row_is_shown_padded_under_the_headers(app, world):
    job = uploaded(world, csv_bytes([GENERIC_HEADER, ["A1", "C001"]]), mapping="generic")

    preview = import_jobs.preview(job, mappings.BUILT_IN["generic"])

    assert preview.rows == [["A1", "C001", "", "", "", ""]]


def test_confirming_queues_the_upload_with_the_mapping_chosen_and_the_job_imports_it(app, world):
    job = uploaded(world, mapping="generic")

    import_jobs.confirm(job, world.users["customer_service"], "taobao", submit=True)
    commit()

    assert (job.status, job.mapping, job.submit) == (ImportStatus.QUEUED, "taobao", True)
    assert import_jobs.run_queued(world.company, utcnow()) == "1 import(s) run"
    assert job.status == ImportStatus.DONE and len(job.results["created"]) == 12
    # Kept as the message and its values, translated when someone reads it (core.stored_text).
    assert job.results["warnings"] == [{
        "msgid": "column %(column)s is not part of the mapping %(mapping)s and was not imported",
        "params": {"column": "宝贝标题", "mapping": "taobao"}}]
    assert {order.source_reference for order in Order.query.filter_by(company_id=world.company.id)} == {
        f"taobao:TB{n:03d}" for n in range(12)}


def test_confirming_with_a_mapping_that_lacks_columns_is_refused_and_the_upload_waits(app, world):
    job = uploaded(world)

    with pytest.raises(ImportRefused, match="the file has no column order_ref, customer_code, product_code, "
                                            "quantity, which the mapping generic needs"):
        import_jobs.confirm(job, world.users["sales"], "generic", submit=False)
    assert job.status == ImportStatus.UPLOADED


def test_an_import_once_confirmed_can_be_neither_confirmed_nor_discarded_again(app, world):
    job = uploaded(world)
    import_jobs.confirm(job, world.users["sales"], "taobao", submit=False)
    commit()

    with pytest.raises(Conflict, match=f"import {job.id} was already handed over to the worker"):
        import_jobs.confirm(job, world.users["sales"], "taobao", submit=False)
    with pytest.raises(Conflict):
        import_jobs.discard_upload(job, world.users["sales"])


def test_discarding_an_upload_deletes_it(app, world):
    job = uploaded(world)
    ident = job.id

    import_jobs.discard_upload(job, world.users["sales"])
    commit()

    assert db.session.get(ImportJob, ident) is None


def test_uploads_are_the_company_s_own_and_need_the_permission(app, world):
    job = uploaded(world)
    other = factories.build_world(app, "OTHER")
    commit()

    with pytest.raises(PermissionDenied, match="you may not import orders"):
        import_jobs.upload(world.company, world.users["customer"], "orders.csv", taobao_file(), "taobao")
    with pytest.raises(PermissionDenied):
        import_jobs.confirm(job, world.users["finance"], "taobao", submit=False)
    with pytest.raises(PermissionDenied):
        import_jobs.confirm(job, other.users["sales"], "taobao", submit=False)
    with pytest.raises(PermissionDenied):
        import_jobs.discard_upload(job, other.users["sales"])
    with pytest.raises(NotFound):
        import_jobs.get_import(other.users["sales"], job.id)
    assert job.status == ImportStatus.UPLOADED


def test_start_still_refuses_a_file_its_mapping_cannot_read_and_stores_nothing(app, world):
    with pytest.raises(ImportRefused):
        import_jobs.start(world.company, world.users["sales"], "orders.csv", taobao_file(), "generic")
    assert db.session.query(ImportJob).count() == 0


def test_the_job_removes_uploads_left_unconfirmed_for_a_day_once_and_keeps_the_rest(app, world):
    old, recent = uploaded(world), uploaded(world)
    queued = uploaded(world)
    import_jobs.confirm(queued, world.users["sales"], "taobao", submit=False)
    old.created_at = utcnow() - timedelta(days=1, minutes=1)
    queued.created_at = utcnow() - timedelta(days=3)
    commit()
    old_id, recent_id = old.id, recent.id

    assert import_jobs.run_queued(world.company, utcnow()) == "1 import(s) run; 1 unconfirmed upload(s) removed"
    db.session.expire_all()
    assert db.session.get(ImportJob, old_id) is None
    assert db.session.get(ImportJob, recent_id).status == ImportStatus.UPLOADED
    assert db.session.get(ImportJob, queued.id).status == ImportStatus.DONE
    assert import_jobs.run_queued(world.company, utcnow()) is None  # run again: nothing more to remove
    assert db.session.get(ImportJob, recent_id) is not None


def test_stale_uploads_of_another_company_are_left_to_its_own_run(app, world):
    job = uploaded(world)
    job.created_at = utcnow() - timedelta(days=2)
    other = factories.build_world(app, "OTHER")
    commit()

    assert import_jobs.run_queued(other.company, utcnow()) is None
    assert db.session.get(ImportJob, job.id) is not None


def test_a_gb18030_file_previews_with_its_chinese_notes_intact(app, world):
    when = next_week().isoformat()
    data = csv_bytes([[*GENERIC_HEADER, "notes"], ["G1", "C001", "P001", "1", "", when, "加急，周五前送到"]],
                     encoding="gb18030")
    job = uploaded(world, data, mapping="generic")

    preview = import_jobs.preview(job, mappings.BUILT_IN["generic"])

    assert preview.rows == [["G1", "C001", "P001", "1", "", when, "加急，周五前送到"]]
    assert preview.fields[-1] == "notes" and preview.unknown == []


def test_hostile_files_are_refused_at_upload_naming_the_limit_and_nothing_is_stored(app, world):
    nul = csv_bytes([GENERIC_HEADER, ["A1\x00", "C001", "P001", "1", "", ""]])

    for filename, data, message in [("bomb.xlsx", zip_bomb(), "is refused as a zip bomb"),
                                    ("entities.xlsx", entity_sheet(), "declares a DOCTYPE or XML entities"),
                                    ("nul.csv", nul, "nul.csv contains a NUL byte (line 2)")]:
        with pytest.raises(ImportRefused, match=re.escape(message)):
            import_jobs.upload(world.company, world.users["sales"], filename, data, "generic")
    assert db.session.query(ImportJob).count() == 0


def test_the_preview_cuts_a_long_cell_short(app, world):
    job = uploaded(world, csv_bytes([GENERIC_HEADER + ["备注"], ["A1", "C001", "P001", "1", "", "", "备注" * 900]]),
                   mapping="generic")

    shown = import_jobs.preview(job, mappings.BUILT_IN["generic"]).rows[0]

    assert len(shown[6]) == import_jobs.PREVIEW_CELL_CHARS and shown[6].endswith("…")
