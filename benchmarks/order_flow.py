#!/usr/bin/env python3
"""End-to-end order throughput: Ordo against the Tryton 8.2 peer, in one run.

Ordo runs in-process through its JSON API (Flask test client, no network), on
a fresh SQLite file (or --db-uri). Each order, like the peer's, has 3 lines
with 10% to 13% tax and goes all the way, each step its own committed
transaction:

  create    POST /orders (3 lines)            submit    POST /orders/{id}/submit
  review    3 decisions (sales, finance, production)
  ship      POST shipments + dispatch         accept    POST shipments/{id}/acceptance
  invoice   GET the invoice PDF (WeasyPrint; the peer renders its ODT invoice in 'post')
  pay       POST /payments (full amount; the order completes)

Then the peer (shared/peers/tryton/sale_flow.py, --create-mode api) runs the
same number of orders in its own venv (bash shared/peers/tryton/setup.sh), and
the script prints orders/s of both and the ratio. The peer does more
bookkeeping per order (stock moves, account moves); Ordo does review steps the
peer lacks: the ratio compares the whole closed-deal flow each product offers.

    .venv/bin/python benchmarks/order_flow.py --orders 50
    .venv/bin/python benchmarks/order_flow.py --orders 50 --no-peer
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ("create", "submit", "review", "ship", "accept", "invoice", "pay")
# The peer lives in ../shared beside the checkout (one level further up from a worktree under wt/).
PEER = next((path for path in (ROOT.parent / "shared" / "peers" / "tryton" / "sale_flow.py",
                               ROOT.parent.parent / "shared" / "peers" / "tryton" / "sale_flow.py")
             if path.exists()), ROOT.parent / "shared" / "peers" / "tryton" / "sale_flow.py")
RESULTS = ROOT / "benchmarks" / "results" / "order_flow.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--db-uri", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--peer-python", default="/tmp/tryton-venv/bin/python")
    parser.add_argument("--peer-script", default=str(PEER))
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--output", default=str(RESULTS), help="where the JSON result is written, as printed last")
    return parser.parse_args()


def run_ordo(args: argparse.Namespace) -> dict:
    from sqlalchemy import event

    from core.app import create_app
    from core.db import commit
    from core.extensions import db
    from tests import factories

    workdir = tempfile.mkdtemp(prefix="ordo-bench-")
    uri = args.db_uri or f"sqlite:///{workdir}/ordo.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=workdir)
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = factories.build_world(app, "BENCH")
        products = [world.products[0], world.products[1],
                    factories.product(world.company, "P003", "离心泵", list_price=Decimal("6800.00"),
                                      floor_price=Decimal("6000.00"), tax_rate=Decimal("0.10"))]
        commit()
        api = {role: factories.ApiClient(app, user) for role, user in world.users.items()}
        customer_id = world.customers[0].id
        product_ids = [p.id for p in products]
        engine = db.engine

    # Every SQL statement the flow sends (the API's token look-ups included), counted per step.
    sent = [0]

    def count(*_: object) -> None:
        sent[0] += 1

    event.listen(engine, "before_cursor_execute", count)

    def call(role: str, method: str, path: str, body: dict | None = None, status: int = 200):
        response = api[role]._call(method, f"/api/v1{path}", json=body)
        if response.status_code != status:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response.get_json() if response.mimetype.endswith("json") else response.data

    class Steps:
        """The time and the statements of each step, summed over the orders."""

        def __init__(self) -> None:
            self.seconds = dict.fromkeys(STEPS, 0.0)
            self.statements = dict.fromkeys(STEPS, 0)

        @contextmanager
        def step(self, name: str) -> Iterator[None]:
            began, before = time.perf_counter(), sent[0]
            yield
            self.seconds[name] += time.perf_counter() - began
            self.statements[name] += sent[0] - before

    def one_order(index: int, steps: Steps) -> int:
        with steps.step("create"):
            order = call("sales", "POST", "/orders", {
                "customer_id": customer_id, "channel": "api", "requested_date": "2030-01-31",
                "delivery_method": "freight", "payment_terms": "cash_on_delivery",
                # Quantities that differ from order to order: the same lines again would be a possible duplicate.
                "lines": [{"product_id": pid, "quantity": str(2 + index + n)} for n, pid in enumerate(product_ids)],
            }, 201)
        with steps.step("submit"):
            call("sales", "POST", f"/orders/{order['id']}/submit")
        with steps.step("review"):
            for department in ("sales", "finance", "production"):
                reviews = call("administrator", "GET", f"/orders/{order['id']}/reviews")
                step = next(s for s in reviews if s["status"] == "open")
                assert step["department"] == department, step
                # The clerk who entered the order may not approve its sales step: the administrator does.
                decider = "administrator" if department == "sales" else department
                call(decider, "POST", f"/reviews/{step['id']}/decision", {"decision": "approve"})
        with steps.step("ship"):
            shipment = call("logistics", "POST", f"/orders/{order['id']}/shipments", {"carrier": "SF"}, 201)
            call("logistics", "POST", f"/shipments/{shipment['id']}/dispatch")
        with steps.step("accept"):
            call("customer_service", "POST", f"/shipments/{shipment['id']}/acceptance", {"signed_by": "王海"})
        with steps.step("invoice"):
            pdf = call("finance", "GET", f"/orders/{order['id']}/documents/invoice")
            assert pdf[:5] == b"%PDF-"
        with steps.step("pay"):
            total = call("finance", "GET", f"/orders/{order['id']}")["total"]
            call("finance", "POST", "/payments", {"order_id": order["id"], "amount": total}, 201)
        return order["id"]

    for index in range(args.warmup):
        one_order(index, Steps())
    steps = Steps()
    ids = []
    start = time.perf_counter()
    for index in range(args.orders):
        ids.append(one_order(args.warmup + index, steps))
    wall = time.perf_counter() - start
    event.remove(engine, "before_cursor_execute", count)

    with app.app_context():
        statuses = {call("administrator", "GET", f"/orders/{order_id}")["status"] for order_id in ids}
        if statuses != {"completed"}:
            raise SystemExit(f"VERIFY FAILED: statuses {statuses}")
    return {
        "orders": args.orders, "wall_s": round(wall, 3), "orders_per_s": round(args.orders / wall, 3),
        "ms_per_order": {**{s: round(steps.seconds[s] / args.orders * 1000, 2) for s in STEPS},
                         "total": round(wall / args.orders * 1000, 2)},
        "statements_per_order": {**{s: round(steps.statements[s] / args.orders, 1) for s in STEPS},
                                 "total": round(sum(steps.statements.values()) / args.orders, 1)},
        "db": uri.split(":", 1)[0],
    }


def run_peer(args: argparse.Namespace) -> dict | None:
    if args.no_peer:
        return None
    peer = Path(args.peer_script)
    if not (Path(args.peer_python).exists() and peer.exists()):
        print(f"peer not available ({args.peer_python}, {peer}); run: bash {peer.parent}/setup.sh", file=sys.stderr)
        return None
    command = [args.peer_python, str(peer), "--orders", str(args.orders), "--warmup", str(args.warmup),
               "--create-mode", "api"]
    if args.db_uri and args.db_uri.startswith("postgresql"):
        command += ["--db-uri", args.db_uri.rsplit("/", 1)[0] + "/"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=dict(os.environ)).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    ordo = run_ordo(args)
    print(f"ordo:   {ordo['orders']} orders in {ordo['wall_s']} s -> {ordo['orders_per_s']} orders/s ({ordo['db']})")
    for step, ms in ordo["ms_per_order"].items():
        print(f"  {step:<8} {ms:9.2f} ms/order {ordo['statements_per_order'][step]:8.1f} statements/order")
    peer = run_peer(args)
    result = {"ordo": ordo}
    if peer:
        print(f"tryton: {peer['orders']} orders in {peer['wall_s']} s -> {peer['orders_per_s']} orders/s "
              f"({peer['db']})")
        ratio = ordo["orders_per_s"] / peer["orders_per_s"]
        print(f"ratio (ordo orders/s / tryton orders/s): {ratio:.2f}x")
        result.update(peer=peer, ratio=round(ratio, 3))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
