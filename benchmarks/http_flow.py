#!/usr/bin/env python3
"""The order flow over HTTP: concurrent clients against gunicorn with the production settings, on SQLite and
PostgreSQL, against the Tryton peer's in-process orders/s in the same run.

For each database (``--db-uri``, repeatable; by default a SQLite file) the script makes a fresh database with the
flow's company, people, products and templates (``order_flow.build_world``), starts Ordo under gunicorn with
``gunicorn.conf.py`` (2 gthread workers x 4 threads, as ``benchmarks/pages.py`` does, access log on), and runs
``order_flow.one_order`` (create, submit, three review decisions, the plan, eight tasks, the shipment, its check,
dispatch, acceptance, payment: 32 requests an order) from ``--clients`` threads at once, each with a keep-alive
connection and each role's bearer token. Every order is verified through the API after the run (completed, its
tasks done, its lines checked and accepted). It prints orders/s, each request's p50/p99/max, the workers' RSS
after the run, and the ratio to the Tryton peer's orders/s (``../shared/peers/tryton/sale_flow.py`` in its venv,
in process, on SQLite, run once after Ordo's databases).

    .venv/bin/python benchmarks/http_flow.py --orders 48
    .venv/bin/python benchmarks/http_flow.py --orders 48 --db-uri sqlite:////tmp/x.sqlite \\
        --db-uri postgresql://postgres@127.0.0.1:5432/ordo_http
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import order_flow, pages  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from core.db import commit  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Customer  # noqa: E402
from benchmarks.results import Results  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=48, help="timed orders on each database, over all the clients")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=1, help="orders each client makes before the timing")
    parser.add_argument("--db-uri", action="append", default=None,
                        help="a database to run on (repeatable; emptied first); default: a SQLite file in a temp dir")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a client waits for one answer")
    parser.add_argument("--gunicorn-config", default=str(pages.GUNICORN_CONFIG))
    parser.add_argument("--peer-orders", type=int, default=10, help="the Tryton peer's orders (0: no peer)")
    parser.add_argument("--peer-python", default="/tmp/tryton-venv/bin/python")
    parser.add_argument("--peer-script", default=str(order_flow.PEER))
    return parser.parse_args(argv)


class HttpClient:
    """One keep-alive connection: the flow's ``call`` over HTTP, each request's time and status kept."""

    def __init__(self, port: int, tokens: dict[str, str], timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.headers = {role: {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                               "Accept": "application/json"} for role, token in tokens.items()}
        self.connection: http.client.HTTPConnection | None = None
        self.times: list[float] = []
        self.timing = False

    def call(self, role: str, method: str, path: str, body: dict | None = None, status: int = 200) -> Any:
        payload = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            began = time.perf_counter()
            try:
                self.connection.request(method, f"/api/v1{path}", body=payload, headers=self.headers[role])
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                self.close()  # a keep-alive connection the worker closed (its max_requests): once more, anew
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - began
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            if self.timing:
                self.times.append(elapsed)
            if response.status != status:
                raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
            return json.loads(data) if response.getheader("Content-Type", "").endswith("json") else data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


def create_database(uri: str) -> None:
    """A PostgreSQL database that does not exist yet is created (the flow then empties it, as any other)."""
    url = make_url(uri)
    if url.get_backend_name() != "postgresql":
        return
    server = create_engine(url.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": url.database}).scalar() is None:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        server.dispose()


def run_database(uri: str, args: argparse.Namespace) -> dict:

    folder = Path(tempfile.mkdtemp(prefix="ordo-http-"))
    create_database(uri)
    app, world = order_flow.build_world(uri, str(folder))
    with app.app_context():
        # The clients' orders are open at once: a credit limit that covers all of them, so that none needs the
        # manager's review step (one order at a time, as in order_flow.py, stays within the customer's own).
        customer = db.session.get_one(Customer, world.customer_id)
        customer.credit_limit = customer.credit_limit * args.clients * 2
        commit()
        dialect = db.engine.dialect.name
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, "ORDO_DATABASE_URL": uri, "ORDO_INSTANCE_PATH": str(folder),
           "ORDO_SECRET_KEY": secrets.token_hex(32)}
    server = pages.start_server("ordo", "core.app:create_app()", args, folder, env, "/api/v1/openapi.json")
    clients = [HttpClient(server.port, world.tokens, args.timeout) for _ in range(args.clients)]
    share = [args.orders // args.clients + (1 if n < args.orders % args.clients else 0) for n in range(args.clients)]
    ids: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(args.clients + 1)

    def work(number: int, client: HttpClient) -> None:
        try:
            # Each order its own index (its quantities: the same lines again would be a possible duplicate), kept
            # as small as order_flow.py's so that no order goes over the customer's credit limit.
            for n in range(args.warmup):
                order_flow.one_order(client.call, world, number + args.clients * n, order_flow.Steps())
            start.wait()
            client.timing = True
            for n in range(share[number]):
                ids.append(order_flow.one_order(client.call, world, number + args.clients * (args.warmup + n),
                                                order_flow.Steps()))
            client.timing = False
        except BaseException as error:  # noqa: BLE001 - reported after the run
            failures.append(error)
            start.abort()

    try:
        threads = [threading.Thread(target=work, args=(n, client)) for n, client in enumerate(clients)]
        for thread in threads:
            thread.start()
        load = os.getloadavg()[0]
        try:
            start.wait()
        except threading.BrokenBarrierError:
            pass
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        if failures:
            raise SystemExit(f"a client failed on {dialect}: {failures[0]!r}")
        problems = [problem for order_id in ids for problem in order_flow.verify(clients[0].call, order_id)]
        if problems:
            raise SystemExit("VERIFY FAILED: " + "; ".join(problems[:10]))
        rss = [value for value in (pages.rss_mb(pid) for pid in server.workers()) if value is not None]
    finally:
        for client in clients:
            client.close()
        pages.stop(server)
    times = [t for client in clients for t in client.times]
    return {"db": dialect, "orders": len(ids), "clients": args.clients, "wall_s": round(wall, 2),
            "orders_per_s": round(len(ids) / wall, 3), "requests": len(times),
            "requests_per_order": round(len(times) / len(ids), 1),
            "p50_ms": round(statistics.median(times) * 1000, 1), "p99_ms": round(percentile(times, 0.99) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1), "worker_rss_mb": [round(value, 1) for value in rss],
            "load_average": round(load, 1)}


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    uris = args.db_uri or [f"sqlite:///{tempfile.mkdtemp(prefix='ordo-http-db-')}/ordo.sqlite"]
    runs = []
    for uri in uris:
        run = run_database(uri, args)
        runs.append(run)
        print(f"ordo over HTTP ({run['db']}, gunicorn {args.workers} workers x {args.threads} threads, "
              f"{run['clients']} clients): {run['orders']} orders in {run['wall_s']} s -> {run['orders_per_s']} "
              f"orders/s; {run['requests']} requests ({run['requests_per_order']} an order), p50 {run['p50_ms']} ms, "
              f"p99 {run['p99_ms']} ms, max {run['max_ms']} ms; workers' RSS after {run['worker_rss_mb']} MB "
              f"(load average {run['load_average']})", flush=True)
    peer = None
    if args.peer_orders:
        peer = order_flow.run_peer(argparse.Namespace(
            no_peer=False, peer_python=args.peer_python, peer_script=args.peer_script, orders=args.peer_orders,
            warmup=1, db_uri=None))
    if peer:
        print(f"tryton in process ({peer['db']}): {peer['orders']} orders in {peer['wall_s']} s -> "
              f"{peer['orders_per_s']} orders/s")
    for run in runs:
        figures = Results("http_flow", database=run["db"], orders=run["orders"], clients=run["clients"],
                          server=f"gunicorn gthread {args.workers}x{args.threads}, {Path(args.gunicorn_config).name}",
                          load_average=run["load_average"])
        figures.figure("orders_per_s", run["orders_per_s"], side="ordo", what="the flow over HTTP")
        for name in ("p50_ms", "p99_ms", "max_ms"):
            figures.figure(name, run[name], side="ordo", what="one request of the flow")
        figures.figure("worker_rss_mb", max(run["worker_rss_mb"], default=None), side="ordo",
                       what="the largest worker's, after the run")
        if peer:
            run["ratio"] = round(run["orders_per_s"] / peer["orders_per_s"], 2)
            figures.figure("orders_per_s", peer["orders_per_s"], side="tryton", what="in process, SQLite")
            figures.figure("ratio", run["ratio"], of="ordo over HTTP / tryton in process, orders/s")
            print(f"ratio ({run['db']}: ordo over HTTP / tryton in process, orders/s): {run['ratio']:.2f}x")
    print(json.dumps({"runs": runs, "peer": peer}, ensure_ascii=False))
    return runs


if __name__ == "__main__":
    main()
