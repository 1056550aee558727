"""Imports handed in and run by the worker: refused at once, queued, run chunk by chunk, results kept."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.db import commit
from core.errors import NotFound, PermissionDenied, ValidationError
from core.jobs import Worker, collect_jobs
from core.extensions import db
from core.models import Channel, Order, OrderStatus, utcnow
from core.stored_text import stored
from core.plugins import registry
from plugins.intake import import_jobs, imports
from core import tabular_limits
from core.tabular_limits import ImportRefused
from plugins.intake.models import ImportMapping, ImportStatus
from tests import factories
from tests.core.test_queries import statements
from tests.plugins.intake.helpers import next_week
from tests.plugins.intake.test_imports import GENERIC_HEADER, csv_bytes


def two_orders_and_a_bad_row() -> bytes:
    when = next_week().isoformat()
    return csv_bytes([GENERIC_HEADER,
                      ["J1", "C001", "P001", "2", "120.00", when],
                      ["J1", "C001", "P002", "5", "", when],
                      ["J2", "C002", "P001", "1", "", when],
                      ["J3", "C002", "NOPE", "1", "", when]])


def queued(world, data: bytes | None = None, **options):
    job = import_jobs.start(world.company, world.users["sales"], "orders.csv", data or two_orders_and_a_bad_row(),
                            options.pop("mapping", "generic"), **options)
    commit()
    return job


def test_a_file_handed_in_is_queued_with_its_row_count_and_imports_nothing_yet(app, world):
    job = queued(world)

    assert (job.status, job.rows_total, job.rows_done, job.results) == (ImportStatus.QUEUED, 4, 0, None)
    assert Order.query.filter_by(company_id=world.company.id).count() == 0


def test_the_job_imports_a_queued_file_and_keeps_created_orders_and_row_errors(app, world):
    job = queued(world)

    assert import_jobs.run_queued(world.company, utcnow()) == "1 import(s) run"

    assert (job.status, job.rows_done) == (ImportStatus.DONE, 4)
    assert job.started_at is not None and job.finished_at is not None and job.failure is None
    orders = {order.source_reference: order for order in Order.query.filter_by(company_id=world.company.id)}
    assert sorted(orders) == ["generic:J1", "generic:J2"]
    assert sorted(job.results["created"]) == sorted(order.id for order in orders.values())
    assert job.results["errors"] == [{"row": 5, "column": "product_code",  # kept to be read in the reader's language
                                      "reason": stored("product %(code)s does not exist", code="NOPE")}]
    assert (job.results["submitted"], job.results["already_imported"]) == (0, [])
    assert import_jobs.run_queued(world.company, utcnow()) is None  # nothing left to run


def test_an_import_asked_to_submit_submits_its_good_orders(app, world):
    job = queued(world, submit=True)

    import_jobs.run_queued(world.company, utcnow())

    assert job.results["submitted"] == 2
    assert {order.status for order in Order.query.filter_by(company_id=world.company.id)} == {OrderStatus.APPROVED}


def test_the_same_file_handed_in_twice_creates_its_orders_once(app, world):
    first, second = queued(world), queued(world)

    import_jobs.run_queued(world.company, utcnow())

    assert len(first.results["created"]) == 2
    assert second.results["created"] == [] and sorted(second.results["already_imported"]) == ["J1", "J2"]


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("orders.pdf", b"%PDF", "orders.pdf is neither a CSV nor an Excel (.xlsx) file"),
    ("orders.csv", b"", "orders.csv is empty"),
    ("orders.csv", "订单".encode("utf-16"), "orders.csv has an unknown encoding; save it as UTF-8 or GB18030"),
    ("orders.csv", b"order_ref,customer_code\nA,C001\n",
     "the file has no column product_code, quantity, which the mapping generic needs"),
])
def test_a_file_that_cannot_be_imported_is_refused_at_once_and_nothing_is_queued(app, world, filename, data,
                                                                                 message):
    with pytest.raises(ImportRefused, match=re.escape(message)):
        import_jobs.start(world.company, world.users["sales"], filename, data, "generic")
    assert import_jobs.recent_imports(world.users["sales"]) == []


def test_an_unknown_mapping_is_refused_by_name(app, world):
    with pytest.raises(ValidationError, match="there is no mapping shopify") as refused:
        import_jobs.start(world.company, world.users["sales"], "orders.csv", two_orders_and_a_bad_row(), "shopify")
    assert refused.value.field == "mapping"


def test_a_mapping_saved_for_a_channel_imports_with_its_headers_and_channel(app, world):
    db.session.add(ImportMapping(company_id=world.company.id, name="wechat", label="微信小店导出",
                                     channel=Channel.WEBSITE, columns={
                                         "order_ref": "单号", "customer_code": "客户", "product_code": "货号",
                                         "quantity": "件数"}))
    commit()
    data = csv_bytes([["单号", "客户", "货号", "件数"], ["WX1", "C001", "P001", "3"]])
    job = queued(world, data, mapping="wechat")

    import_jobs.run_queued(world.company, utcnow())

    order = Order.query.filter_by(company_id=world.company.id).one()
    assert (order.source_reference, order.channel, order.lines[0].quantity) == ("wechat:WX1", Channel.WEBSITE, 3)
    assert job.status == ImportStatus.DONE


def test_an_import_whose_clerk_left_fails_with_the_reason_and_is_not_retried(app, world):
    job = queued(world)
    world.users["sales"].active = False
    commit()

    import_jobs.run_queued(world.company, utcnow())

    assert job.status == ImportStatus.FAILED
    assert job.failure == f"{world.users['sales'].username}, who handed the file in, is no longer active"
    assert import_jobs.run_queued(world.company, utcnow()) is None


def test_an_import_left_running_by_a_dead_worker_is_taken_up_after_the_lease(app, world):
    job = queued(world)
    job.status, job.started_at = ImportStatus.RUNNING, utcnow() - timedelta(minutes=5)
    commit()

    assert import_jobs.run_queued(world.company, utcnow()) is None  # perhaps still running somewhere
    assert import_jobs.run_queued(world.company, utcnow() + import_jobs.LEASE) == "1 import(s) run"
    assert job.status == ImportStatus.DONE and len(job.results["created"]) == 2


def test_imports_are_the_company_s_own_and_need_the_permission(app, world):
    job = queued(world)
    other = factories.build_world(app, "OTHER")
    commit()

    with pytest.raises(NotFound):
        import_jobs.get_import(other.users["sales"], job.id)
    with pytest.raises(PermissionDenied, match="you may not import orders"):
        import_jobs.get_import(world.users["finance"], job.id)
    with pytest.raises(PermissionDenied):
        import_jobs.start(world.company, world.users["customer"], "orders.csv", two_orders_and_a_bad_row(),
                          "generic")
    assert import_jobs.get_import(world.users["customer_service"], job.id) is job


def test_the_worker_runs_the_imports_as_the_job_intake_imports(app, world):
    job = queued(world)
    jobs = collect_jobs(registry())

    run = Worker({"intake.imports": jobs["intake.imports"]}).run("intake.imports", force=True)

    assert run is not None and run.result == f"{world.company.code}: 1 import(s) run"
    assert job.status == ImportStatus.DONE


def test_ordo_jobs_run_intake_imports_runs_them_once_from_the_command_line(app, world):
    queued(world)

    result = app.test_cli_runner().invoke(args=["jobs", "run", "intake.imports"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"intake.imports: {world.company.code}: 1 import(s) run"
    assert Order.query.filter_by(company_id=world.company.id).count() == 2


def test_a_stored_file_beyond_the_limits_fails_in_the_worker_with_the_reason(app, world):
    job = queued(world)
    job.content = csv_bytes([GENERIC_HEADER] + [["A1", "C001", "P001", "1", "", ""]] * 3)
    commit()
    limits = pytest.MonkeyPatch()
    limits.setattr(tabular_limits, "MAX_ROWS", 2)
    try:
        import_jobs.run_queued(world.company, utcnow())
    finally:
        limits.undo()

    assert job.status == ImportStatus.FAILED
    assert job.failure == "orders.csv has more than 2 rows; split it into smaller files"
    assert db.session.query(Order).count() == 0


def test_the_job_reads_the_stored_file_once_however_many_chunks_report_progress(app, world, monkeypatch):
    """The file is the import's largest value: committing each chunk's progress must not load it again."""
    monkeypatch.setattr(imports, "CHUNK", 1)
    job = queued(world)
    db.session.expire_all()

    with statements(db.engine) as seen:
        import_jobs.run_queued(world.company, utcnow())

    assert job.status == ImportStatus.DONE and len(job.results["created"]) == 2
    assert len([sql for sql in seen if sql.startswith("UPDATE intake_import SET rows_done")]) == 3  # one a chunk
    reads = [sql for sql in seen
             if re.search(r"^SELECT\b.*\bintake_import\.content\b.*\bFROM intake_import\b", sql, re.DOTALL)]
    # Its size, then its one slice: the file is smaller than a slice (import_jobs.FILE_SLICE).
    assert [re.match(r"SELECT (\w+)\(intake_import\.content\b", sql)[1] for sql in reads] == ["length", "substr"]


def test_a_stored_file_larger_than_a_slice_is_read_whole(app, world, monkeypatch):
    monkeypatch.setattr(import_jobs, "FILE_SLICE", 7)
    data = two_orders_and_a_bad_row()
    job = queued(world, data)

    assert len(data) > 10 * import_jobs.FILE_SLICE
    assert import_jobs.stored_file(job) == data
