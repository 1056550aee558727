#!/usr/bin/env python3
"""Create and submit an order for a customer with a long recent history: does the duplicate check keep up?

One customer gets 10, 1,000 and 10,000 recent orders (inside the duplicate window, each with lines no other
order has), bulk-inserted with SQLAlchemy Core as copies of one order entered through the API, with their
lines and line fingerprints. Then orders are created and submitted through the JSON API in-process (each
runs the duplicate check twice, at save and at submit). Prints ms per order and the ratio to the 10-order case:
close to 1 means the check's cost does not grow with the customer's history.

    .venv/bin/python benchmarks/duplicate_history.py --orders 20
    .venv/bin/python benchmarks/duplicate_history.py --db-uri postgresql://postgres@127.0.0.1:5432/ordo_bench
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Results  # noqa: E402

HISTORIES = (10, 1_000, 10_000)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20, help="orders timed per history size")
    parser.add_argument("--db-uri", default=None, help="default: a SQLite file in a temp dir")
    return parser.parse_args()


def main() -> None:
    from sqlalchemy import insert, select, text

    from core.app import create_app
    from core.db import commit
    from core.extensions import db
    from core.models import Order, OrderLine, utcnow
    from plugins.intake import fingerprints
    from plugins.intake.models import IntakeFingerprint
    from tests import factories

    args = parse_args()
    workdir = tempfile.mkdtemp(prefix="ordo-bench-")
    uri = args.db_uri or f"sqlite:///{workdir}/ordo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=workdir)
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = factories.build_world(app, "BENCH")
        commit()
        api = factories.ApiClient(app, world.users["sales"])
        customer_id, product_id = world.customers[0].id, world.products[0].id

    serial = iter(range(1, 10**9))

    def call(method: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        response = api._call(method, f"/api/v1{path}", json=body)
        if response.status_code != status:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response.get_json()

    def one_order() -> None:
        # Quantities no other order has: the same lines again would be a possible duplicate.
        order = call("POST", "/orders", {
            "customer_id": customer_id, "channel": "api", "requested_date": "2030-01-31",
            "delivery_method": "freight", "payment_terms": "cash_on_delivery",
            "lines": [{"product_id": product_id, "quantity": str(next(serial))}]}, 201)
        call("POST", f"/orders/{order['id']}/submit")

    def add_history(count: int) -> None:
        """``count`` more recent orders of the customer, copies of the last one entered, in bulk."""
        with app.app_context():
            template = db.session.execute(select(Order.__table__).order_by(Order.id.desc()).limit(1)).mappings().one()
            line = db.session.execute(select(OrderLine.__table__).where(
                OrderLine.order_id == template["id"])).mappings().one()
            now = utcnow()
            for start in range(0, count, 1000):
                batch = [next(serial) for _ in range(min(1000, count - start))]
                ids = db.session.execute(insert(Order.__table__).returning(Order.id), [
                    {**{k: v for k, v in template.items() if k != "id"}, "number": f"H{n:08d}",
                     "source_reference": None, "received_at": now - timedelta(minutes=n % 5000)}
                    for n in batch]).scalars().all()
                quantities = [Decimal(n) for n in batch]
                db.session.execute(insert(OrderLine.__table__), [
                    {**{k: v for k, v in line.items() if k != "id"}, "order_id": order_id, "quantity": quantity}
                    for order_id, quantity in zip(ids, quantities, strict=True)])
                db.session.execute(insert(IntakeFingerprint.__table__), [
                    {"order_id": order_id, "fingerprint": fingerprints.of_lines([(product_id, quantity)])}
                    for order_id, quantity in zip(ids, quantities, strict=True)])
            db.session.commit()
            # The statistics autovacuum would gather after such an insert: without them PostgreSQL's planner
            # takes the customer's index over the fingerprint's.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))

    one_order()  # warm-up, and the template the history copies
    have, results = 1, {}
    for size in HISTORIES:
        add_history(size - have)
        have = size
        start = time.perf_counter()
        for _ in range(args.orders):
            one_order()
        results[size] = (time.perf_counter() - start) / args.orders * 1000
        have += args.orders
        base = results[HISTORIES[0]]
        print(f"{size:>6} recent orders: {results[size]:8.2f} ms per create+submit, "
              f"ratio to 10: {results[size] / base:.2f} ({uri.split(':', 1)[0]})", flush=True)
        figures = Results("duplicate_history", database=uri.split(":", 1)[0], history=size)
        figures.figure("ms_per_order", round(results[size], 2))
        figures.figure("ratio", round(results[size] / base, 3), of="ms with this history / ms with 10")


if __name__ == "__main__":
    main()
