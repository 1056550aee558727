#!/usr/bin/env python3
"""The order list at 100,000 orders: the list view against the database's floor, in one run.

Generates the orders in a throwaway SQLite file (or, with ORDO_BENCH_DATABASE_URL set,
in that PostgreSQL database, whose tables it drops and creates), migrated to the
models' schema with the list's indexes, then times, as the median of --repeat runs:

  first page     GET /orders                        (newest first, 50 rows)
  deep page      GET /orders?after=...              (a keyset cursor 90% of the way down)
  sorted         GET /orders?sort=total&after=...   (another index, deep too)
  search         GET /orders?q=...                  (a customer name fragment: a scan)
  group-by       GET /orders?group=status           (one GROUP BY over every order)

each two ways: the list view's queries alone (``core.listview.read_list``, including its
capped count) and the whole page through the Flask test client (sign-in session,
rendering, and the portal's chrome: the menu's inbox count, which reads the 50 oldest
waiting drafts and counts the rest; drafts are one order in a hundred).
The floor is the same question asked with the fewest means: one raw
SELECT ... LIMIT 50 (or the raw GROUP BY) through SQLAlchemy Core on the same
connection pool. The ratios say what the list view adds to what the database must do.

    .venv/bin/python benchmarks/list_view.py
    .venv/bin/python benchmarks/list_view.py --orders 20000 --repeat 3
    ORDO_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ordo_bench .venv/bin/python benchmarks/list_view.py
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, literal, or_, select, tuple_  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from core.app import create_app  # noqa: E402
from core.db import commit  # noqa: E402
from core.extensions import db  # noqa: E402
from core.listview import cursor_token, read_list  # noqa: E402
from core.models import Channel, Customer, DeliveryMethod, Order, OrderStatus, PaymentTerms, User  # noqa: E402
from core.order_list import ORDER_LIST  # noqa: E402
from tests import factories  # noqa: E402

CUSTOMER_NAMES = ("上海华东机电", "北京燕山化工", "杭州西湖电气", "深圳湾科技", "广州珠江物资", "成都天府机械",
                  "武汉长江设备", "南京金陵仪表", "天津渤海重工", "重庆山城五金")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def build(orders: int) -> tuple[Any, User]:
    url = os.environ.get("ORDO_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix='ordo-list-')}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "SERVER_NAME": "ordo.bench", "BABEL_DEFAULT_LOCALE": "en",
                      "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = factories.build_world(app)
        customers = [world.customers[0].id, world.customers[1].id]
        for number, name in enumerate(CUSTOMER_NAMES, start=3):
            customers.append(factories.customer(world.company, f"C{number:03d}", f"{name}有限公司").id)
        staff = [world.users[role].id for role in ("sales", "customer_service", "administrator")]
        company_id = world.company.id
        random.seed(7)
        start = datetime(2024, 1, 1, tzinfo=timezone.utc)
        statuses, channels = list(OrderStatus), list(Channel)
        chunk = []
        for index in range(orders):
            created = start + timedelta(minutes=7 * index)
            # Drafts are few (a clerk submits them the same day): one in a hundred.
            status = OrderStatus.DRAFT if index % 100 == 0 else statuses[1 + index % (len(statuses) - 1)]
            chunk.append({
                "company_id": company_id, "number": None if status == OrderStatus.DRAFT else f"SO{index:08d}",
                "channel": channels[index % len(channels)], "customer_id": customers[index % len(customers)],
                "customer_reference": f"PO-{random.randint(1, 99999):05d}",
                "requested_date": (created + timedelta(days=14)).date(),
                "payment_terms": PaymentTerms.CASH_ON_DELIVERY, "delivery_method": DeliveryMethod.FREIGHT,
                "currency": "CNY", "status": status, "revision": 1,
                "subtotal": Decimal(random.randint(1, 400) * 25), "tax_total": Decimal("0.00"),
                "total": Decimal(random.randint(1, 400) * 25),  # many ties on the total
                "created_by_id": staff[index % len(staff)], "created_at": created,
                "submitted_at": None if status == OrderStatus.DRAFT else created + timedelta(hours=1),
                "version": 1,
            })
            if len(chunk) == 5_000:
                db.session.execute(insert(Order), chunk)
                chunk = []
        if chunk:
            db.session.execute(insert(Order), chunk)
        commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql('ANALYZE "order"')
                connection.commit()
        else:
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        user = db.session.get(User, world.users["sales"].id)
    return app, user


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    action()  # warm the statement cache
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def report(name: str, floor_ms: float, listed: float, page: float) -> None:
    print(f"{name:14} {floor_ms:9.2f} {listed:9.2f} {listed / floor_ms:6.1f} {page:9.2f} {page / floor_ms:6.1f}")


def main() -> None:
    args = parse_args()
    began = time.perf_counter()
    app, user = build(args.orders)
    print(f"{args.orders:,} orders generated in {time.perf_counter() - began:.1f} s "
          f"on {app.config['SQLALCHEMY_DATABASE_URI'].split(':', 1)[0]}")
    with app.app_context():
        user = db.session.get(User, user.id)
        company = Order.company_id == user.company_id
        deep_at = int(args.orders * 0.9)
        newest = (Order.created_at.desc(), Order.id.desc())
        deep_row = db.session.execute(select(Order.created_at, Order.id).where(company).order_by(*newest)
                                      .offset(deep_at).limit(1)).one()
        by_total = (Order.total.asc(), Order.id.asc())
        total_row = db.session.execute(select(Order.total, Order.id).where(company).order_by(*by_total)
                                       .offset(deep_at).limit(1)).one()
        needle = "西湖"
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
        client = factories.portal_login(app, user)
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
            report(name, floor_ms, listed, page)

        grouped = select(Order.status, func.count()).where(company).group_by(Order.status)

        def group_floor() -> None:
            with engine.connect() as connection:
                connection.execute(grouped).all()

        with app.test_request_context("/orders"):
            listed = median_ms(lambda: read_list(ORDER_LIST, user, MultiDict({"group": "status"})), args.repeat)
        page = median_ms(lambda: client.get("/orders", query_string={"group": "status"}), args.repeat)
        floor_ms = median_ms(group_floor, args.repeat)
        report("group-by", floor_ms, listed, page)
        print("list ms: core.listview.read_list (page + capped count [+ groups]); page ms: GET /orders, rendered")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
