#!/usr/bin/env python3
"""The order list at 100,000 orders made by real flows: the list view against the database's floor, in one run.

The orders come from ``benchmarks/flow_data.py``: the demo's flows (drafts, orders in review with
open steps, approved, shipped, delivered with open invoices, paid, cancelled...) cloned over a
year, six customers (one platform shop with 40 % of the orders) and four salespeople, in a
throwaway SQLite file (or, with --database-url or ORDO_BENCH_DATABASE_URL, in that database,
which it empties first; --reuse keeps one that already holds as many orders). Then it times,
as the median of --repeat runs, signed in as the salesperson:

  first page     GET /orders                        (newest first, 50 rows)
  deep page      GET /orders?after=...              (a keyset cursor 90% of the way down)
  sorted         GET /orders?sort=total&after=...   (another index, deep too)
  search         GET /orders?q=...                  (a customer name fragment: a scan)
  group-by       GET /orders?group=status           (one GROUP BY over every order)

each two ways: the list view's queries alone (``core.listview.read_list``, including its
capped count) and the whole page through the Flask test client (sign-in session,
rendering, and the portal's chrome: the menu's inbox count, over the drafts, open review
steps, shipments and receivables the flows leave).
The floor is the same question asked with the fewest means: one raw
SELECT ... LIMIT 50 (or the raw GROUP BY) through SQLAlchemy Core on the same
connection pool. The ratios say what the list view adds to what the database must do.

    .venv/bin/python benchmarks/list_view.py
    .venv/bin/python benchmarks/list_view.py --orders 20000 --repeat 3
    .venv/bin/python benchmarks/list_view.py --database-url postgresql://postgres@127.0.0.1:5432/ordo_bench
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import flow_data  # noqa: E402
from benchmarks.results import Results  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import func, literal, or_, select, tuple_  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from core.extensions import db  # noqa: E402
from core.listview import cursor_token, read_list  # noqa: E402
from core.models import Customer, Order, User  # noqa: E402
from core.order_list import ORDER_LIST  # noqa: E402

# A fragment of 北京燕山化工股份公司 (C002), who places 15 % of the orders.
NEEDLE = "燕山"
SIGNED_IN = ("sales", "ordo-sales")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("ORDO_BENCH_DATABASE_URL"),
                        help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database when it already holds the generated company with --orders orders")
    return parser.parse_args()


def build(url: str, orders: int, reuse: bool) -> tuple[Flask, User, flow_data.Dataset]:
    dataset = flow_data.generate(url, orders, reuse=reuse, progress=True)
    app = flow_data.make_app(url, SERVER_NAME="ordo.bench", BABEL_DEFAULT_LOCALE="en")
    with app.app_context():
        user = db.session.execute(select(User).where(User.company_id == dataset.company_id,
                                                     User.username == SIGNED_IN[0])).scalar_one()
    return app, user, dataset


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    action()  # warm the statement cache
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def report(name: str, floor_ms: float, listed: float, page: float, database: str, orders: int) -> None:
    print(f"{name:14} {floor_ms:9.2f} {listed:9.2f} {listed / floor_ms:6.1f} {page:9.2f} {page / floor_ms:6.1f}")
    figures = Results("list_view", database=database, orders=orders, case=name)
    figures.figure("median_ms", round(floor_ms, 3), side="floor")
    figures.figure("median_ms", round(listed, 3), side="list")
    figures.figure("median_ms", round(page, 3), side="page")
    figures.figure("ratio", round(listed / floor_ms, 2), of="list ms / floor ms")
    figures.figure("ratio", round(page / floor_ms, 2), of="page ms / floor ms")


def main() -> None:
    args = parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='ordo-list-')}/bench.sqlite"
    began = time.perf_counter()
    app, user, dataset = build(url, args.orders, args.reuse)
    how = "kept" if dataset.reused else f"generated in {time.perf_counter() - began:.1f} s"
    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"{args.orders:,} orders made by flows ({how}) on {database}")
    with app.app_context():
        user = db.session.get(User, user.id)
        company = Order.company_id == user.company_id
        deep_at = max(0, min(int(args.orders * 0.9), args.orders - 51))  # a full page after it at any size
        newest = (Order.created_at.desc(), Order.id.desc())
        deep_row = db.session.execute(select(Order.created_at, Order.id).where(company).order_by(*newest)
                                      .offset(deep_at).limit(1)).one()
        by_total = (Order.total.asc(), Order.id.asc())
        total_row = db.session.execute(select(Order.total, Order.id).where(company).order_by(*by_total)
                                       .offset(deep_at).limit(1)).one()
        needle = NEEDLE
        cases = {
            "first page": ({}, lambda c: c.where(company).order_by(*newest)),
            "deep page": ({"after": cursor_token(deep_row.created_at, deep_row.id)},
                          lambda c: c.where(company, tuple_(Order.created_at, Order.id)
                                            < tuple_(literal(deep_row.created_at, Order.created_at.type),
                                                     literal(deep_row.id)))
                          .order_by(*newest)),
            "sorted, deep": ({"sort": "total", "after": cursor_token(total_row.total, total_row.id)},
                             lambda c: c.where(company, tuple_(Order.total, Order.id)
                                               > tuple_(literal(total_row.total, Order.total.type),
                                                        literal(total_row.id))).order_by(*by_total)),
            # The same four fields the order list searches: the floor of a substring search is a scan.
            "search": ({"q": needle}, lambda c: c.join(Customer, Order.customer_id == Customer.id)
                       .where(company, or_(*[field.icontains(needle, autoescape=True) for field in (
                           Order.number, Customer.name, Customer.code, Order.customer_reference)]))
                       .order_by(*newest)),
        }
        columns = select(Order.id, Order.number, Order.customer_id, Order.status, Order.created_at, Order.total)
        client = app.test_client()
        assert flow_data.portal_sign_in(client, *SIGNED_IN), "the salesperson could not sign in"
        engine = db.engine
        print(f"{'':14} {'floor ms':>9} {'list ms':>9} {'ratio':>6} {'page ms':>9} {'ratio':>6}")
        for name, (query, floor_query) in cases.items():
            raw = floor_query(columns).limit(50)

            def floor(raw=raw) -> None:
                with engine.connect() as connection:
                    assert len(connection.execute(raw).all()) == 50

            with app.test_request_context("/orders"):
                listed = median_ms(lambda query=query: read_list(ORDER_LIST, user, MultiDict(query)), args.repeat)
                assert len(read_list(ORDER_LIST, user, MultiDict(query)).rows) == 50
            page = median_ms(lambda query=query: client.get("/orders", query_string=query), args.repeat)
            floor_ms = median_ms(floor, args.repeat)
            report(name, floor_ms, listed, page, database, args.orders)

        grouped = select(Order.status, func.count()).where(company).group_by(Order.status)

        def group_floor() -> None:
            with engine.connect() as connection:
                connection.execute(grouped).all()

        with app.test_request_context("/orders"):
            listed = median_ms(lambda: read_list(ORDER_LIST, user, MultiDict({"group": "status"})), args.repeat)
        page = median_ms(lambda: client.get("/orders", query_string={"group": "status"}), args.repeat)
        floor_ms = median_ms(group_floor, args.repeat)
        report("group-by", floor_ms, listed, page, database, args.orders)
        print("list ms: core.listview.read_list (page + capped count [+ groups]); page ms: GET /orders, rendered")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
