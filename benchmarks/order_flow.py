#!/usr/bin/env python3
"""End-to-end order throughput: Ordo against the Tryton 8.2 peer, in one run.

Ordo runs in-process through its JSON API (Flask test client, no network), on
a fresh SQLite file (or --db-uri). Each order, like the peer's, has 3 lines
with 10% to 13% tax and goes all the way, each request its own committed
transaction:

  create    POST /orders (3 lines)            submit    POST /orders/{id}/submit
  review    3 decisions (sales, finance, production); the last one drafts the
            execution plan from the demo's two templates (8 tasks, due dates
            counted back from the promised date through the calendar)
  plan      GET /orders/{id}/execution, POST .../execution/confirm (the planner)
  execute   each task POST /milestones/{id}/start and .../complete by its person
            (the first production task puts the order in production)
  ship      POST shipments (every line, freight), POST shipments/{id}/check (each
            line counted and passed; the company's check mode is "block"),
            POST shipments/{id}/dispatch (the order is shipped)
  accept    POST shipments/{id}/acceptance: the customer accepts each line and
            rates the delivery (the order is delivered; billing issues the invoice)
  pay       POST /payments (full amount; the order completes)

The flow renders no PDF: the dispatch and the invoice make their documents due,
and the worker renders them after the commit (``core.documents.render_due``,
the ``documents.render`` job). So that the flow's figure does not hide that
work, the same process then measures it, after the flow:

  documents the worker's job rendering every document the orders made due: the
            delivery note and the certificate of each dispatch, the invoice
            (WeasyPrint; the peer renders its ODT invoice inside 'post')
  invoice   GET the invoice PDF, now served from storage

Orders/s is printed for the flow alone and for the flow plus the documents'
rendering, as if one core did both one after the other (the peer's figure
includes its invoice report). Each step's time and SQL statements per order
are printed, and the result is written as JSON to
benchmarks/results/order_flow.json (--output) as well as printed on the last line.

Then the peer (shared/peers/tryton/sale_flow.py, --create-mode api) runs the
same number of orders in its own venv (bash shared/peers/tryton/setup.sh), and
the script prints orders/s of both and the ratio. The peer does more
bookkeeping per order (stock moves, account moves); Ordo does review steps, an
execution plan of 8 tasks, a pre-dispatch check and acceptance per line the
peer lacks: the ratio compares the whole closed-deal flow each product offers.

    .venv/bin/python benchmarks/order_flow.py --orders 50
    .venv/bin/python benchmarks/order_flow.py --orders 50 --no-peer
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from benchmarks.results import Results  # noqa: E402

STEPS = ("create", "submit", "review", "plan", "execute", "ship", "accept", "pay")
# Measured after the flow: the worker's rendering of the documents it made due, then the stored invoice's GET.
AFTER = ("documents", "invoice")
# The peer lives in ../shared beside the checkout (one level further up from a worktree under wt/).
PEER = next((path for path in (ROOT.parent / "shared" / "peers" / "tryton" / "sale_flow.py",
                               ROOT.parent.parent / "shared" / "peers" / "tryton" / "sale_flow.py")
             if path.exists()), ROOT.parent / "shared" / "peers" / "tryton" / "sale_flow.py")
RESULTS = ROOT / "benchmarks" / "results" / "order_flow.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--lines", type=int, default=3, help="lines an order (3 or more)")
    parser.add_argument("--db-uri", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--peer-python", default="/tmp/tryton-venv/bin/python")
    parser.add_argument("--peer-script", default=str(PEER))
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--kpi-alternate", action="store_true",
                        help="switch the kpi module off before every other order (an order pinned without it records "
                             "no fact) and print an order's time with kpi and without, and kpi's overhead")
    parser.add_argument("--output", default=str(RESULTS), help="where the JSON result is written, as printed last")
    parser.add_argument("--dump-statements", metavar="FILE", default=None,
                        help="write every SQL statement the last measured order sends, under its step, to FILE "
                             "(the statements' text, without parameters): what a step's count is made of")
    return parser.parse_args()


# call(role, method, path, body=None, status=200): one API request as that role, its JSON (or bytes) answered;
# in process (``in_process``) or over HTTP (benchmarks/http_flow.py): the flow does not know which.
Call = Callable[..., Any]


@dataclass
class World:
    """What every order of the flow is made of: the customer, the products, each role's bearer token."""

    company_id: int
    customer_id: int
    product_ids: list[int]
    roles: dict[int, str]  # a user's id -> the role the flow calls as (who does a task)
    tokens: dict[str, str]  # role -> its plain bearer token


def build_world(uri: str, workdir: str, lines: int = 3) -> tuple[Flask, World]:
    """A fresh database (every table dropped) with the company, its people and their tokens, the products, the
    company's "block" check mode and the demo's execution templates."""
    from core.app import create_app
    from core.db import commit
    from core.demo import EXECUTION_TEMPLATES
    from core.extensions import db
    from plugins.logistics.shipments import services as shipping
    from tests import factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=workdir)
    with app.app_context():
        db.drop_all()
        db.create_all()
        world = factories.build_world(app, "BENCH")
        products = [world.products[0], world.products[1],
                    factories.product(world.company, "P003", "离心泵", list_price=Decimal("6800.00"),
                                      floor_price=Decimal("6000.00"), tax_rate=Decimal("0.10"))]
        # More lines than three: more seals of other sizes, which the demo's stock template covers by its code.
        products += [factories.product(world.company, f"S{n:03d}", f"密封圈 {n} 号", list_price=Decimal("8.50"),
                                       floor_price=Decimal("7.00"), tax_rate=Decimal("0.13"))
                     for n in range(1, lines - 2)]
        commit()
        # In "block" mode a line not checked, or failed, holds the dispatch back: the check is part of the flow.
        shipping.update_settings(world.company, {"check_mode": "block"}, world.users["administrator"])
        commit()
        tokens = {role: factories.token_for(user) for role, user in world.users.items()}
        flow = World(company_id=world.company.id, customer_id=world.customers[0].id,
                     product_ids=[p.id for p in products], roles={user.id: role for role, user in world.users.items()},
                     tokens=tokens)
        codes = {p.code: p.id for p in products}
    call = in_process(app, tokens)
    # The demo's execution templates: the pump made to order (material, assembly, test, packing,
    # dispatch), the valve and the seals from stock (picking, check, packing), eight tasks an order.
    for template in EXECUTION_TEMPLATES:
        body = {key: value for key, value in template.items() if key != "products"}
        call("administrator", "POST", "/execution-templates",
             {**body, "product_ids": [codes[code] for code in template["products"] if code in codes]}, 201)
    return app, flow


def in_process(app: Flask, tokens: dict[str, str]) -> Call:
    """The flow's requests through Werkzeug's test client in this process, each role with its bearer token."""
    clients = {role: (app.test_client(), {"Authorization": f"Bearer {token}"}) for role, token in tokens.items()}

    def call(role: str, method: str, path: str, body: dict | None = None, status: int = 200) -> Any:
        client, headers = clients[role]
        response = client.open(f"/api/v1{path}", method=method, json=body, headers=headers)
        if response.status_code != status:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response.get_json() if response.mimetype.endswith("json") else response.data

    return call


class Counter:
    """Every SQL statement an engine sends (``before_cursor_execute``); with ``step`` set, each one's text too."""

    def __init__(self) -> None:
        self.sent = 0
        self.step = ""
        self.dumped: list[tuple[str, str, str]] = []

    def __call__(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.sent += 1
        if self.step:
            self.dumped.append((self.step, origin(), statement))


class Steps:
    """The time (and, given the engine's counter, the statements) of each step, summed over the orders."""

    def __init__(self, counter: Counter | None = None, dump: bool = False) -> None:
        self.counter = counter
        self.dump = dump
        self.seconds = dict.fromkeys(STEPS + AFTER, 0.0)
        self.statements = dict.fromkeys(STEPS + AFTER, 0)
        self.tasks = 0

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        counter = self.counter
        began, before = time.perf_counter(), counter.sent if counter else 0
        if counter:
            counter.step = name if self.dump else ""
        yield
        self.seconds[name] += time.perf_counter() - began
        if counter:
            counter.step = ""
            self.statements[name] += counter.sent - before


def one_order(call: Call, world: World, index: int, steps: Steps) -> int:
    """One order through the whole procedure, each request as the role whose work it is; its id."""
    with steps.step("create"):
        order = call("sales", "POST", "/orders", {
            "customer_id": world.customer_id, "channel": "api", "requested_date": "2030-01-31",
            "delivery_method": "freight", "payment_terms": "cash_on_delivery",
            # Quantities that differ from order to order: the same lines again would be a possible duplicate.
            "lines": [{"product_id": pid, "quantity": str(2 + index + n)} for n, pid in enumerate(world.product_ids)],
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
            # The last approval drafts the execution plan (the review_decided hook), inside this request.
            call(decider, "POST", f"/reviews/{step['id']}/decision", {"decision": "approve"})
    with steps.step("plan"):
        plan = call("production", "GET", f"/orders/{order['id']}/execution")
        assert plan["status"] == "draft" and plan["on_time"], plan
        plan = call("production", "POST", f"/orders/{order['id']}/execution/confirm", {"accept_late": False})
        steps.tasks = len(plan["tasks"])
    with steps.step("execute"):
        # Each task started and completed by its person, in the order the template lists them (a task
        # after the ones it waits for); the first production task puts the order into production.
        for task in plan["tasks"]:
            worker = world.roles[task["assignee"]["id"]]
            call(worker, "POST", f"/milestones/{task['id']}/start", {})
            call(worker, "POST", f"/milestones/{task['id']}/complete",
                 {"note": "按计划完成", "quantity_done": "1"})
    with steps.step("ship"):
        lines = [{"order_line_id": line["id"], "quantity": line["quantity"]} for line in order["lines"]]
        shipment = call("logistics", "POST", f"/orders/{order['id']}/shipments", {
            "lines": lines, "carrier": "德邦物流", "vehicle": "沪A·12345", "driver_name": "张师傅",
            "driver_phone": "13800000000", "waybill_number": f"DB{index:08d}"}, 201)
        call("logistics", "POST", f"/shipments/{shipment['id']}/check", {"lines": [
            {"order_line_id": line["order_line_id"], "confirmed_quantity": line["quantity"], "result": "pass"}
            for line in lines]})
        shipment = call("logistics", "POST", f"/shipments/{shipment['id']}/dispatch", {})
        assert shipment["order_status"] == "shipped", shipment
    with steps.step("accept"):
        # The customer's own user judges each line and rates the delivery.
        accepted = call("customer", "POST", f"/shipments/{shipment['id']}/acceptance", {
            "lines": [{"shipment_line_id": line["id"], "verdict": "accepted"} for line in shipment["lines"]],
            "rating": 5, "comment": "包装完好"})
        assert accepted["order_status"] == "delivered", accepted
    with steps.step("pay"):
        total = call("finance", "GET", f"/orders/{order['id']}")["total"]
        call("finance", "POST", "/payments", {"order_id": order["id"], "amount": total}, 201)
    return int(order["id"])


def render_documents(app: Flask, steps: Steps) -> int:
    """What the worker's ``documents.render`` job does after the flow's commits, until nothing is due."""
    from core.db import commit
    from core.documents import render_due
    from core.models import utcnow

    rendered = 0
    with steps.step("documents"), app.app_context():
        while True:
            stored = render_due(utcnow())
            commit()
            if not stored:
                return rendered
            rendered += stored


def run_ordo(args: argparse.Namespace) -> dict:
    from sqlalchemy import event, select

    from core.db import commit
    from core.models import Company
    from core.modules import set_enabled
    from plugins.kpi.facts.models import KpiOrder
    from core.extensions import db

    workdir = tempfile.mkdtemp(prefix="ordo-bench-")
    uri = args.db_uri or f"sqlite:///{workdir}/ordo.sqlite"
    app, world = build_world(uri, workdir, getattr(args, "lines", 3))
    call = in_process(app, world.tokens)
    with app.app_context():
        engine = db.engine

    # Every SQL statement the flow sends (the API's token look-ups included), counted per step;
    # --dump-statements: each statement of the order being measured, under the step that sent it.
    counter = Counter()
    event.listen(engine, "before_cursor_execute", counter)

    for index in range(args.warmup):
        one_order(call, world, index, Steps(counter))
    render_documents(app, Steps(counter))
    steps = Steps(counter)
    ids, per_order = [], []
    # --kpi-alternate: each order's time, with kpi (True) and without; switching the module is not timed.
    with_kpi: dict[bool, list[float]] = {True: [], False: []}
    switching = 0.0
    start = time.perf_counter()
    for index in range(args.orders):
        kpi_on = not args.kpi_alternate or index % 2 == 0
        if args.kpi_alternate:
            began = time.perf_counter()
            with app.app_context():
                set_enabled(db.session.get_one(Company, world.company_id), "kpi", kpi_on, actor=None)
                commit()
            switching += time.perf_counter() - began
        before, began = counter.sent, time.perf_counter()
        steps.dump = bool(getattr(args, "dump_statements", None)) and index == args.orders - 1
        ids.append(one_order(call, world, args.warmup + index, steps))
        steps.dump = False
        with_kpi[kpi_on].append(time.perf_counter() - began)
        per_order.append(counter.sent - before)
    wall = time.perf_counter() - start - switching
    documents = render_documents(app, steps)
    for order_id in ids:
        with steps.step("invoice"):
            pdf = call("finance", "GET", f"/orders/{order_id}/documents/invoice")
            assert pdf[:5] == b"%PDF-"
    event.remove(engine, "before_cursor_execute", counter)

    if getattr(args, "dump_statements", None):
        write_statements(Path(args.dump_statements), counter.dumped)

    problems = [problem for order_id in ids for problem in verify(call, order_id)]
    if args.kpi_alternate:  # facts for the orders made with kpi, none for the others
        with app.app_context():
            recorded = set(db.session.execute(select(KpiOrder.order_id).where(KpiOrder.order_id.in_(ids))).scalars())
        if recorded != set(ids[::2]):
            problems.append(f"kpi facts recorded for orders {sorted(recorded)}, expected {ids[::2]}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if problems:
        raise SystemExit("VERIFY FAILED: " + "; ".join(problems[:10]))
    with_documents = wall + steps.seconds["documents"]
    return {
        "orders": args.orders, "wall_s": round(wall, 3), "orders_per_s": round(args.orders / wall, 3),
        "documents_per_order": round(documents / args.orders, 2),
        "orders_per_s_with_documents": round(args.orders / with_documents, 3),
        "ms_per_order": {**{s: round(steps.seconds[s] / args.orders * 1000, 2) for s in STEPS + AFTER},
                         "total": round(wall / args.orders * 1000, 2)},
        "statements_per_order": {**{s: round(steps.statements[s] / args.orders, 1) for s in STEPS + AFTER},
                                 "total": round(sum(steps.statements[s] for s in STEPS) / args.orders, 1)},
        # The fewest and the most of one order: the same when no step's statements grow with the data.
        "statements_range": [min(per_order), max(per_order)],
        "tasks_per_order": steps.tasks, "db": uri.split(":", 1)[0],
        **({"kpi": kpi_overhead(with_kpi)} if args.kpi_alternate else {}),
    }


def origin() -> str:
    """Where in Ordo's code the statement being sent was asked for: the innermost frames of the project's own."""
    frames = [frame for frame in traceback.extract_stack()
              if frame.filename.startswith(str(ROOT)) and "/.venv/" not in frame.filename
              and not frame.filename.startswith(str(ROOT / "benchmarks"))]
    return " < ".join(f"{Path(frame.filename).relative_to(ROOT)}:{frame.lineno}" for frame in reversed(frames[-3:]))


def write_statements(path: Path, dumped: list[tuple[str, str, str]]) -> None:
    """One order's statements, numbered within their step, each on one tab-separated line: the step, the number,
    where the code asked for it (a flush's statement names the code whose query or commit flushed), the SQL."""
    counted: dict[str, int] = {}
    with path.open("w") as out:
        for step, where, statement in dumped:
            counted[step] = counted.get(step, 0) + 1
            out.write(f"{step}\t{counted[step]}\t{where}\t{' '.join(statement.split())}\n")


def kpi_overhead(with_kpi: dict[bool, list[float]]) -> dict[str, float]:
    """An order's mean and median time with kpi recording facts and without, and the mean's overhead."""
    on, off = with_kpi[True], with_kpi[False]
    return {"orders_with": len(on), "orders_without": len(off),
            "ms_with": round(statistics.mean(on) * 1000, 2), "ms_without": round(statistics.mean(off) * 1000, 2),
            "median_ms_with": round(statistics.median(on) * 1000, 2),
            "median_ms_without": round(statistics.median(off) * 1000, 2),
            "overhead_percent": round((statistics.mean(on) / statistics.mean(off) - 1) * 100, 2)}


def verify(call: Callable[..., Any], order_id: int) -> list[str]:
    """What is not as the flow left it: the order completed, every task done, every line checked and accepted."""
    problems = []
    order = call("administrator", "GET", f"/orders/{order_id}")
    if order["status"] != "completed":
        problems.append(f"order {order_id} is {order['status']}")
    plan = call("administrator", "GET", f"/orders/{order_id}/execution")
    if plan["status"] != "done" or {task["status"] for task in plan["tasks"]} != {"done"}:
        problems.append(f"order {order_id}: plan {plan['status']}, tasks {[t['status'] for t in plan['tasks']]}")
    shipments = call("administrator", "GET", f"/orders/{order_id}/shipments")
    for shipment in shipments:
        checks = [line["check_result"] for line in shipment["lines"]]
        verdicts = call("administrator", "GET", f"/shipments/{shipment['id']}/acceptance")
        if checks != ["pass"] * len(order["lines"]) or shipment["status"] != "accepted":
            problems.append(f"shipment {shipment['number']}: {shipment['status']}, checks {checks}")
        if sorted(v["verdict"] for v in verdicts) != ["accepted"] * len(order["lines"]):
            problems.append(f"shipment {shipment['number']}: verdicts {[v['verdict'] for v in verdicts]}")
    if len(shipments) != 1:
        problems.append(f"order {order_id}: {len(shipments)} shipments")
    return problems


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
    print(f"ordo:   {ordo['orders']} orders in {ordo['wall_s']} s -> {ordo['orders_per_s']} orders/s ({ordo['db']}), "
          f"{ordo['tasks_per_order']} tasks an order, statements of one order {ordo['statements_range']}")
    for step, ms in ordo["ms_per_order"].items():
        if step == "documents":
            print(f"  -- after the flow: the worker renders {ordo['documents_per_order']} documents an order, then "
                  f"the stored invoice is served --")
        print(f"  {step:<9} {ms:9.2f} ms/order {ordo['statements_per_order'][step]:8.1f} statements/order")
    print(f"ordo with its documents rendered: {ordo['orders_per_s_with_documents']} orders/s")
    if "kpi" in ordo:
        kpi = ordo["kpi"]
        print(f"kpi alternated: an order {kpi['ms_with']} ms with kpi ({kpi['orders_with']} orders, median "
              f"{kpi['median_ms_with']}), {kpi['ms_without']} ms without ({kpi['orders_without']}, median "
              f"{kpi['median_ms_without']}): kpi adds {kpi['overhead_percent']} %")
    peer = run_peer(args)
    result = {"ordo": ordo}
    if peer:
        print(f"tryton: {peer['orders']} orders in {peer['wall_s']} s -> {peer['orders_per_s']} orders/s "
              f"({peer['db']})")
        ratio = ordo["orders_per_s"] / peer["orders_per_s"]
        with_documents = ordo["orders_per_s_with_documents"] / peer["orders_per_s"]
        print(f"ratio (ordo orders/s / tryton orders/s): {ratio:.2f}x the flow, "
              f"{with_documents:.2f}x with the documents rendered")
        result.update(peer=peer, ratio=round(ratio, 3), ratio_with_documents=round(with_documents, 3))
    figures = Results("order_flow", database=ordo["db"], orders=ordo["orders"], lines=getattr(args, "lines", 3))
    figures.figure("orders_per_s", ordo["orders_per_s"], side="ordo", what="the flow")
    figures.figure("orders_per_s", ordo["orders_per_s_with_documents"], side="ordo", what="the flow and its documents")
    figures.figure("statements_per_order", ordo["statements_per_order"]["total"], side="ordo")
    if "kpi" in ordo:
        figures.figure("kpi_overhead_percent", ordo["kpi"]["overhead_percent"], side="ordo",
                       what="an order's mean time with kpi over without, alternated")
    if peer:
        figures.figure("orders_per_s", peer["orders_per_s"], side="tryton")
        figures.figure("ratio", result["ratio"], of="ordo / tryton, orders/s", what="the flow")
        figures.figure("ratio", result["ratio_with_documents"], of="ordo / tryton, orders/s",
                       what="the flow and its documents")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
