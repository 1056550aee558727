"""Order files handed in through the API: POST /imports queues the file, GET /imports/{id} follows it."""
from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import insert

from core.db import commit
from core.extensions import db
from core.models import Order, utcnow
from plugins.intake import import_jobs
from plugins.intake.models import ImportJob, ImportStatus
from tests import factories
from tests.core.test_queries import statements
from tests.plugins.intake.helpers import next_week
from tests.plugins.intake.test_import_limits import entity_sheet, zip_bomb
from tests.plugins.intake.test_imports import GENERIC_HEADER, csv_bytes

PROBLEM = "application/problem+json"


def order_file() -> bytes:
    when = next_week().isoformat()
    return csv_bytes([GENERIC_HEADER,
                      ["A1", "C001", "P001", "2", "120.00", when],
                      ["A1", "C001", "P002", "5", "", when],
                      ["A2", "C002", "P001", "0", "", when]])


def hand_in(api, data: bytes, filename: str = "orders.csv", **fields):
    form = {"mapping": "generic", **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), filename)
    return api.post("/api/v1/imports", data=form, content_type="multipart/form-data")


def test_a_file_handed_in_is_accepted_as_a_queued_import_to_follow(app, world):
    api = factories.ApiClient(app, world.users["sales"])

    response = hand_in(api, order_file())

    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == body["href"] == f"/api/v1/imports/{body['id']}"
    assert (body["status"], body["filename"], body["mapping"], body["rows_total"], body["rows_done"],
            body["results"]) == ("queued", "orders.csv", "generic", 3, 0, None)


def test_the_status_resource_shows_what_the_worker_imported_and_each_bad_row(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    location = hand_in(api, order_file()).headers["Location"]

    import_jobs.run_queued(world.company, utcnow())
    body = api.get(location).get_json()

    assert (body["status"], body["rows_done"], body["failure"]) == ("done", 3, None)
    order = Order.query.filter_by(source_reference="generic:A1").one()
    assert body["results"]["created"] == [order.id] and body["results"]["submitted"] == 0
    assert body["results"]["errors"] == [{"row": 4, "column": "quantity", "reason": "the value must be greater than 0"}]
    assert body["started_at"] is not None and body["finished_at"] is not None


def test_the_imports_list_shows_the_company_s_imports_newest_first(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    first, second = (hand_in(api, order_file()).get_json()["id"] for _ in range(2))

    body = api.get("/api/v1/imports").get_json()

    assert [item["id"] for item in body["items"]] == [second, first] and body["total"] == 2


def imports(world, count: int) -> list[int]:
    """``count`` finished imports of a 64 KiB file each, written in one statement."""
    return list(db.session.scalars(insert(ImportJob).returning(ImportJob.id, sort_by_parameter_order=True), [{
        "company_id": world.company.id, "created_by_id": world.users["sales"].id, "created_at": utcnow(),
        "filename": f"orders-{n}.csv", "mapping": "generic", "submit": False, "content": b"x" * 65_536,
        "status": ImportStatus.DONE, "rows_total": 3, "rows_done": 3,
        "results": {"created": [], "submitted": 0, "already_imported": [], "errors": [], "warnings": []},
    } for n in range(count)]))


def test_walking_next_visits_every_import_once_newest_first_while_files_are_handed_in(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    handed_in = imports(world, 5)
    commit()
    seen, path = [], "/api/v1/imports?per_page=2"
    while path:
        page = api.get(path).get_json()
        seen += [item["id"] for item in page["items"]]
        hand_in(api, order_file())
        path = page["next"]
    assert seen == handed_in[::-1]
    refused = api.get(f"/api/v1/imports?cursor={seen[0]}")
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "cursor"


def test_the_imports_list_costs_the_same_statements_for_10_imports_as_for_1000_and_reads_no_file(make_app):
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        api = factories.ApiClient(app, world.users["sales"])
        engine = db.engine
    api.get("/api/v1/me", buffered=True)  # the token's first use is recorded; the calls measured come after it
    counts = {}
    for size, more in ((10, 10), (1_000, 990)):
        with app.app_context():
            world.company = db.session.merge(world.company)
            world.users["sales"] = db.session.merge(world.users["sales"])
            imports(world, more)
            commit()
        with statements(engine) as seen:
            response = api.get("/api/v1/imports?per_page=5")
            response.close()
        with statements(engine) as following:
            api.get(response.get_json()["next"]).close()
        counts[size] = (len(seen), len(following))
        assert not [statement for statement in seen + following if "intake_import.content" in statement]
    assert counts[10] == counts[1_000], counts


def test_an_xlsx_file_is_taken_too(app, world):
    workbook = Workbook()
    workbook.active.append(GENERIC_HEADER)
    workbook.active.append(["X1", "C001", "P001", 3, 120, next_week()])
    out = io.BytesIO()
    workbook.save(out)
    api = factories.ApiClient(app, world.users["sales"])

    response = hand_in(api, out.getvalue(), "orders.xlsx", submit="true")

    assert response.status_code == 202 and response.get_json()["submit"] is True


def test_a_file_that_cannot_be_imported_is_refused_with_the_reason(app, world):
    api = factories.ApiClient(app, world.users["sales"])

    cases = [(hand_in(api, b"%PDF-1.7", "orders.pdf"), "orders.pdf is neither a CSV nor an Excel (.xlsx) file"),
             (hand_in(api, b"", "orders.csv"), "orders.csv is empty"),
             (hand_in(api, order_file(), mapping="shopify"), "there is no mapping shopify"),
             (hand_in(api, b"order_ref,customer_code\nA,C001\n"),
              "the file has no column product_code, quantity, which the mapping generic needs")]

    for response, message in cases:
        assert response.status_code == 400 and response.content_type == PROBLEM
        assert message in response.get_json()["detail"]
    assert api.get("/api/v1/imports").get_json()["total"] == 0


def test_a_body_without_a_file_names_the_field(app, world):
    api = factories.ApiClient(app, world.users["sales"])

    missing = hand_in(api, None)
    as_text = api.post("/api/v1/imports", data={"mapping": "generic", "file": "order_ref,customer_code"},
                       content_type="multipart/form-data")
    as_json = api.post("/api/v1/imports", json={"mapping": "generic"})

    assert missing.status_code == as_text.status_code == as_json.status_code == 400
    assert {error["field"] for error in missing.get_json()["errors"]} == {"file"}
    assert [error["message"] for error in as_text.get_json()["errors"]] == [
        "must be a file sent as multipart/form-data"]


def test_imports_need_the_permission_and_stay_in_their_company(app, world):
    job_id = hand_in(factories.ApiClient(app, world.users["sales"]), order_file()).get_json()["id"]
    other = factories.build_world(app, "OTHER")

    assert hand_in(factories.ApiClient(app, world.users["finance"]), order_file()).status_code == 403
    assert factories.ApiClient(app, world.users["customer"]).get(f"/api/v1/imports/{job_id}").status_code == 403
    elsewhere = factories.ApiClient(app, other.users["sales"]).get(f"/api/v1/imports/{job_id}")
    assert elsewhere.status_code == 404 and elsewhere.content_type == PROBLEM
    assert factories.ApiClient(app, world.users["sales"]).get("/api/v1/imports/99999999999").status_code == 404


def test_a_hostile_file_is_refused_with_a_problem_naming_the_limit_never_a_500(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    long_line = csv_bytes([GENERIC_HEADER, ["A1", "C001", "P001", "1", "", "x" * 100_000]])

    cases = [(hand_in(api, zip_bomb(), "orders.xlsx"), "is refused as a zip bomb"),
             (hand_in(api, entity_sheet(), "orders.xlsx"), "declares a DOCTYPE or XML entities"),
             (hand_in(api, b"order_ref\x00,customer_code\n"), "orders.csv contains a NUL byte (line 1)"),
             (hand_in(api, long_line), "line 2 of orders.csv is longer than the limit of 20000 characters")]

    for response, message in cases:
        assert response.status_code == 400 and response.content_type == PROBLEM
        assert message in response.get_json()["detail"]
    assert api.get("/api/v1/imports").get_json()["total"] == 0
