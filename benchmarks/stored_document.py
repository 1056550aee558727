#!/usr/bin/env python3
"""A stored document's GET against a bare Flask endpoint sending the same bytes, in one run.

An order goes through the whole procedure by the API (``tests.flows``), the worker's
``documents.render`` job renders its documents, and then, alternating in rounds, the
finance clerk's ``GET /api/v1/orders/{id}/documents/invoice`` (bearer token, the
order's visibility, the invoice's version check, the stored row) and a bare Flask
app's endpoint returning the very same PDF bytes with the same headers, both through
Werkzeug's test client in this process, so the ratio is the application's own cost
(no network, no server on either side). Goal (issue 23): the stored GET at 0.5 of
bare or better. The statements one GET sends are printed too, and the CPU of a conditional GET (the ETag
sent back in If-None-Match, as a browser does: a 304). ``--parts`` also times the GET's parts (the token's
statement, the order, the document and its response), each in a request context of its own.

The GETs are timed outside any application context, as a server runs them: each
request pushes its own, with its own database session, as under gunicorn (an
application context held around them would share one session between requests).
Beside the wall-clock medians, the medians of the process's CPU time per GET: on a
shared machine the wall clock of a longer request takes in other processes' turns.

    .venv/bin/python benchmarks/stored_document.py --requests 300
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="of each side, in rounds of 50")
    parser.add_argument("--db-uri", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--profile", default=None, help="write a cProfile of the Ordo GETs to this file")
    parser.add_argument("--parts", action="store_true",
                        help="also the CPU medians of the GET's parts, each called in a request context of its own")
    parser.add_argument("--shared-context", action="store_true",
                        help="time the GETs inside one application context, one session for all (the first figures)")
    args = parser.parse_args()

    from flask import Flask, Response
    from sqlalchemy import event

    from core.app import create_app
    from core.db import commit
    from core.documents import render_due
    from core.extensions import db
    from core.models import utcnow
    from tests import factories
    from tests.flows import Flow

    workdir = tempfile.mkdtemp(prefix="ordo-document-bench-")
    uri = args.db_uri or f"sqlite:///{workdir}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=workdir)
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = factories.build_world(app, "BENCH")
        commit()
        flow = Flow(app, world)
        order = flow.run({"review", "logistics", "billing"})
        assert order["status"] == "completed", order
        render_due(utcnow())
        commit()
        finance = flow.api["finance"]
        path = f"/api/v1/orders/{order['id']}/documents/invoice"
        first = finance.get(path)
        assert first.status_code == 200 and first.data[:5] == b"%PDF-"
        body, etag = first.data, first.headers["ETag"]

        bare = Flask("bare")

        @bare.get("/document")
        def document() -> Response:
            response = Response(body, mimetype="application/pdf",
                                headers={"Content-Disposition": 'inline; filename="invoice.pdf"'})
            response.set_etag(etag.strip('"'))
            response.cache_control.private = True
            response.cache_control.no_cache = True
            return response

        bare_client = bare.test_client()

        def ordo_get() -> None:
            response = finance.get(path)
            assert response.status_code == 200 and response.data == body

        def bare_get() -> None:
            response = bare_client.get("/document")
            assert response.status_code == 200 and response.data == body

        def ordo_304() -> None:  # a browser that has the document asks again
            response = finance.get(path, headers={"If-None-Match": etag})
            assert response.status_code == 304

        plain = finance.headers["Authorization"].split(" ", 1)[1]
        order_id = order["id"]

        statements = [0]

        def count(*_: object) -> None:
            statements[0] += 1

        engine = db.engine
        db.session.remove()

    shared = app.app_context() if args.shared_context else contextlib.nullcontext()
    shared.__enter__()
    event.listen(engine, "before_cursor_execute", count)
    ordo_get()
    event.remove(engine, "before_cursor_execute", count)
    per_get = statements[0]

    if args.profile:
        import cProfile
        cProfile.runctx("for _ in range(100): ordo_get()", globals(), {"ordo_get": ordo_get},
                        filename=args.profile)
    samples: dict[str, list[float]] = {"ordo": [], "bare": [], "ordo_304": []}
    cpu: dict[str, list[float]] = {"ordo": [], "bare": [], "ordo_304": []}
    for _ in range(max(1, args.requests // 50)):
        for name, get in (("ordo", ordo_get), ("bare", bare_get), ("ordo_304", ordo_304)):
            for _ in range(50):
                began, began_cpu = time.perf_counter(), time.process_time()
                get()
                samples[name].append(time.perf_counter() - began)
                cpu[name].append(time.process_time() - began_cpu)
    shared.__exit__(None, None, None)

    parts: dict[str, float] = {}
    if args.parts:
        from core.auth.services import live_token
        from core.documents import order_document_response
        from core.orders.queries import get_order

        def token() -> None:
            assert live_token(plain) is not None

        def token_order() -> None:
            token_ = live_token(plain)
            assert token_ is not None
            get_order(token_.user, order_id)

        def token_order_document() -> None:
            token_ = live_token(plain)
            assert token_ is not None
            assert order_document_response(get_order(token_.user, order_id), "invoice", token_.user).status_code == 200

        for name, part in (("token", token), ("token + order", token_order),
                           ("token + order + document", token_order_document)):
            times = []
            for _ in range(args.requests):
                with app.test_request_context(path):
                    began = time.process_time()
                    part()
                    times.append(time.process_time() - began)
                    db.session.remove()
            parts[name] = statistics.median(times) * 1000
    engine.dispose()

    ordo_ms = statistics.median(samples["ordo"]) * 1000
    bare_ms = statistics.median(samples["bare"]) * 1000
    print(f"stored invoice PDF, {len(body):,} bytes, {len(samples['ordo'])} GETs each side, "
          "alternating in rounds of 50:")
    print(f"  ordo  GET {path}  median {ordo_ms:7.3f} ms  ({per_get} SQL statements)")
    print(f"  bare  Flask endpoint, same bytes and headers  median {bare_ms:7.3f} ms")
    print(f"ratio (bare time / ordo time): {bare_ms / ordo_ms:.3f}  (goal 0.5)")
    ordo_cpu, bare_cpu = statistics.median(cpu["ordo"]) * 1000, statistics.median(cpu["bare"]) * 1000
    print(f"CPU time per GET, median: ordo {ordo_cpu:7.3f} ms, bare {bare_cpu:7.3f} ms, "
          f"ratio {bare_cpu / ordo_cpu:.3f}")
    cached_cpu = statistics.median(cpu["ordo_304"]) * 1000
    print(f"conditional GET (If-None-Match: the ETag, 304): CPU median {cached_cpu:7.3f} ms, "
          f"bare 200 / ordo 304 {bare_cpu / cached_cpu:.3f}")
    for name, ms in parts.items():
        print(f"  part, CPU median: {name:28} {ms:7.3f} ms")
    figures = Results("stored_document", database=uri.split(":", 1)[0], bytes=len(body))
    figures.figure("median_ms", round(ordo_ms, 3), side="ordo")
    figures.figure("median_ms", round(bare_ms, 3), side="bare")
    figures.figure("statements", per_get, side="ordo")
    figures.figure("ratio", round(bare_ms / ordo_ms, 3), of="bare ms / ordo ms")
    figures.figure("cpu_ms", round(ordo_cpu, 3), side="ordo")
    figures.figure("cpu_ms", round(bare_cpu, 3), side="bare")
    figures.figure("cpu_ratio", round(bare_cpu / ordo_cpu, 3), of="bare CPU ms / ordo CPU ms")
    figures.figure("cpu_ms", round(cached_cpu, 3), side="ordo_304")
    for name, ms in parts.items():
        figures.figure("part_cpu_ms", round(ms, 3), part=name)


if __name__ == "__main__":
    main()
