#!/usr/bin/env python3
"""Every GET page of the portal and the API at N orders made by real flows, against a bare Flask endpoint.

The orders come from ``benchmarks/flow_data.py`` (the demo's flows, cloned: open review steps,
shipments, invoices, drafts, audit entries...). Ordo then runs as production runs it
(``docs/deploying.md``: gunicorn, gthread workers, 2 workers x 4 threads, the same request-line
limit and an access log), and beside it, under the same gunicorn settings, a minimal Flask app
that answers a fixed small body (``benchmarks/bare_app.py``). The benchmark

- lists every GET route of the portal and the API from the app's URL map (static files aside),
  fills its ids from the data (an order of the platform customer in the state the route needs,
  its shipment and change request, an open review step, an outbox message, an import, an
  execution template, a customer, a product, a user; one path per document kind; and the
  API's order list has a page in the middle too),
  and skips, naming it, a route whose id the data does not have;
- signs in as the administrator, a salesperson and the platform customer's user: through the
  login form for the portal (the session cookie), with a bearer token for the API (made by
  ``core.auth.services.create_token``, as ``ordo tokens create`` does);
- for each route and user, first with one client (Ordo and bare requests alternating), then
  with ``--clients`` concurrent clients (Ordo's block and bare's block, in alternating order),
  times each request from the client's side over keep-alive connections, and prints p50 and
  p99 (and the 16 clients' slowest) with the bare endpoint's, and the ratios: bare p50 / Ordo
  p50 (how much of bare's speed a route keeps: 1.0 is bare) and, with many clients, Ordo's
  requests/s over bare's;
- samples the resident memory (RSS) of both servers' worker processes throughout: the peak
  and what each worker keeps at the end;
- counts, in-process (SQLAlchemy's ``before_cursor_execute``, one request after one warm-up),
  the SQL statements of the slowest page (``--statements all``: of every page).

A route a user may not open (401/403/404 at its first request) is listed as refused, not
timed. Each measurement stops issuing requests after ``--requests`` or ``--budget`` seconds,
whichever comes first, but times ``--min-requests`` (with many clients, one per client) at
least; ``n`` says how many it timed.

Figures go to stdout as a table and to ``benchmarks/results/latest.jsonl``, one JSON object per
figure (``--output`` to change).

    .venv/bin/python benchmarks/pages.py                                   # 100,000 orders, SQLite
    .venv/bin/python benchmarks/pages.py --orders 2000 --routes '^/orders|/api/v1/orders' --requests 50
    .venv/bin/python benchmarks/pages.py --database-url postgresql://postgres@127.0.0.1/ordo_bench --reuse
    .venv/bin/python benchmarks/pages.py --demo --database-url sqlite:////path/to/instance/ordo.sqlite

``--demo`` times a database ``ordo demo`` loaded instead (its year of history; nothing generated, nothing
emptied): the company ``DEMO``, signed in as ``admin``, ``sales`` and ``customer`` (the demo's passwords), the
ids found among the demo's orders, its customer user's customer's first.
"""
from __future__ import annotations

import argparse
import gc
import http.client
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import flow_data  # noqa: E402
from benchmarks import results as figures  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from core.auth.services import create_token  # noqa: E402
from core.db import cursor_signer, unit_of_work  # noqa: E402
from core.extensions import db  # noqa: E402
from core.keyset import cursor_token  # noqa: E402
from core.models import Company, Customer, Order, OrderStatus, Product, User  # noqa: E402
from core.orders.queries import NEWEST_FIRST  # noqa: E402
from core.models.outbox import OutboxMessage  # noqa: E402
from plugins.billing.invoices.models import CreditNote, Invoice  # noqa: E402
from plugins.intake.models import ImportJob  # noqa: E402
from plugins.logistics.execution.models import ExecutionTemplate  # noqa: E402
from plugins.logistics.shipments.models import Shipment  # noqa: E402
from plugins.review.change_models import ChangeRequest  # noqa: E402
from plugins.review.models import ReviewStep, StepStatus  # noqa: E402
from plugins.stock.models import StockWarehouse  # noqa: E402

RESULTS = figures.LATEST
# The production settings of docs/deploying.md (section 3): the worker class, the request-line limit and the
# bounds on memory are in the configuration; the workers and threads are the run's own.
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"
# Who signs in: role -> (username, password).
USERS = {"administrator": ("admin", "ordo-admin"), "sales": ("sales", "ordo-sales"),
         "customer": flow_data.PLATFORM_USER[:2]}
# With --demo: the logins ``ordo demo`` prints (core/demo.py), its customer user that of 上海华东机电 (C001).
DEMO_USERS = {"administrator": ("admin", "ordo-admin"), "sales": ("sales", "ordo-sales"),
              "customer": ("customer", "ordo-customer")}
REFUSED = {401, 403, 404, 405}
# An order page in this state, for the routes that act on one: the rest show a delivered order (shipped,
# signed for, invoiced), the richest page.
ORDER_STATE = {"intake.edit_order": OrderStatus.DRAFT, "intake.recheck_order": OrderStatus.DRAFT,
               "review_api.OrderReviewPreview": OrderStatus.DRAFT, "orders.cancel": OrderStatus.APPROVED,
               "review_changes.new_change": OrderStatus.APPROVED,
               "logistics_execution.plan": OrderStatus.IN_PRODUCTION,
               "logistics_execution_api.OrderExecution": OrderStatus.IN_PRODUCTION}
# The documents of an order, and of one shipment.
DOCUMENT_KINDS = ("confirmation", "delivery_note", "certificate", "invoice")
SHIPMENT_DOCUMENT_KINDS = ("delivery_note", "certificate")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a SQLite file in the temporary folder, named by the number of orders")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database when it already holds the generated company with --orders orders")
    parser.add_argument("--demo", action="store_true",
                        help="time the database --database-url names as `ordo demo` loaded it (its year of history): "
                             "nothing generated or emptied; users admin, sales and customer; --orders ignored")
    parser.add_argument("--routes", default=None, help="a regular expression: only routes whose rule or path match")
    parser.add_argument("--roles", default="administrator,sales,customer")
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement, at most")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds per measurement: no new request after them (default 10)")
    parser.add_argument("--min-requests", type=int, default=3,
                        help="requests per measurement however long they take (with many clients: one per client); "
                             "0: a page whose first request took longer than --budget is measured by that request")
    parser.add_argument("--clients", type=int, default=16, help="the concurrent clients of the second measurement")
    parser.add_argument("--concurrency", default=None,
                        help="which measurements, e.g. '1' or '1,16' (default: 1 and --clients)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a client waits for one answer")
    parser.add_argument("--statements", choices=("heaviest", "all", "none"), default="heaviest")
    parser.add_argument("--memory", action="store_true",
                        help="instead of timing: each route once per user in this process (Werkzeug's test client), "
                             "and by route group what the process's RSS grew by and what of it is still alive "
                             "(tracemalloc) or only held by the allocator")
    parser.add_argument("--in-process", action="store_true",
                        help="instead of the servers: each route per user in this process (Werkzeug's test client), "
                             "after a warm-up request, at most --requests or --budget seconds: p50/p99 of wall-clock "
                             "and CPU time, and the SQL statements of one request (CPU time is what the machine's "
                             "load distorts least)")
    parser.add_argument("--gunicorn-config", default=str(GUNICORN_CONFIG),
                        help="gunicorn's settings for both servers (default: the production file, gunicorn.conf.py)")
    parser.add_argument("--output", default=str(RESULTS))
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------------- routes


@dataclass
class Route:
    rule: str
    endpoint: str
    path: str

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


@dataclass
class Ids:
    """The ids the routes are filled with, found in the generated data."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)


def find_ids(app: Flask, company_id: int, customer_user: str | None = None) -> Ids:
    """An order of the platform customer (or of ``customer_user``'s customer) in each state, and what hangs off
    it."""
    ids = Ids()
    with app.app_context():
        session = db.session
        if customer_user is None:
            platform = session.execute(select(Customer.id).where(Customer.company_id == company_id,
                                                                 Customer.code == flow_data.PLATFORM["code"])).scalar()
        else:
            platform = session.execute(select(User.customer_id).where(User.company_id == company_id,
                                                                      User.username == customer_user)).scalar()
        for state in OrderStatus:  # the platform's newest order in each state, else anyone's
            ids.values[f"order:{state.value}"] = session.execute(
                select(Order.id).where(Order.company_id == company_id, Order.status == state)
                .order_by((Order.customer_id == platform).desc(), Order.id.desc()).limit(1)).scalar()
        delivered = ids.get("order:delivered")
        # The platform's newest change request and open review step, else anyone's (the demo's customer has none).
        ids.values["change"] = session.execute(
            select(ChangeRequest.id).join(Order, Order.id == ChangeRequest.order_id)
            .where(Order.company_id == company_id)
            .order_by((Order.customer_id == platform).desc(), ChangeRequest.id.desc()).limit(1)).scalar()
        ids.values["message"] = session.execute(
            select(OutboxMessage.id).where(OutboxMessage.order_id == delivered).order_by(OutboxMessage.id.desc())
            .limit(1)).scalar()
        ids.values["step"] = session.execute(
            select(ReviewStep.id).join(Order, Order.id == ReviewStep.order_id)
            .where(Order.company_id == company_id, ReviewStep.status == StepStatus.OPEN)
            .order_by((Order.customer_id == platform).desc(), ReviewStep.id.desc()).limit(1)).scalar()
        ids.values["shipment"] = session.execute(
            select(Shipment.id).where(Shipment.order_id == delivered).order_by(Shipment.id.desc()).limit(1)).scalar()
        ids.values["invoice"] = session.execute(
            select(Invoice.id).where(Invoice.order_id == delivered).order_by(Invoice.version.desc()).limit(1)).scalar()
        ids.values["credit_note"] = session.execute(
            select(CreditNote.id).where(CreditNote.company_id == company_id).order_by(CreditNote.id.desc())
            .limit(1)).scalar()
        ids.values["template"] = session.execute(
            select(ExecutionTemplate.id).where(ExecutionTemplate.company_id == company_id)
            .order_by(ExecutionTemplate.id).limit(1)).scalar()
        ids.values["import"] = session.execute(
            select(ImportJob.id).where(ImportJob.company_id == company_id).order_by(ImportJob.id.desc())
            .limit(1)).scalar()
        ids.values["customer"] = platform
        ids.values["priced_customer"] = session.execute(
            select(Customer.id).where(Customer.company_id == company_id, Customer.code == "C002")).scalar()
        ids.values["product"] = session.execute(
            select(Product.id).where(Product.company_id == company_id).order_by(Product.id).limit(1)).scalar()
        ids.values["warehouse"] = session.execute(
            select(StockWarehouse.id).where(StockWarehouse.company_id == company_id)
            .order_by(StockWarehouse.id).limit(1)).scalar()
        ids.values["user"] = session.execute(
            select(User.id).where(User.company_id == company_id, User.username == "sales")).scalar()
        orders = session.execute(select(func.count()).select_from(Order)
                                 .where(Order.company_id == company_id)).scalar() or 0
        # The API's order list in its middle: page numbers reach only its first rows (a 400 past them), so
        # the page after the middle order's cursor, as following ``next`` gets there; signed with the app's
        # secret, which the server shares (``main``).
        middle = session.execute(select(Order.created_at, Order.id).where(Order.company_id == company_id)
                                 .order_by(Order.created_at.desc(), Order.id.desc())
                                 .offset(max(0, orders // 2 - 1)).limit(1)).first()
        if middle is not None:
            ids.values["middle_cursor"] = cursor_signer(NEWEST_FIRST).sign(
                cursor_token(middle.created_at, middle.id)).decode("ascii")
        session.remove()
    return ids


def _value(endpoint: str, argument: str, ids: Ids) -> Any:
    if argument == "order_id":
        return ids.get(f"order:{ORDER_STATE.get(endpoint, OrderStatus.DELIVERED).value}")
    if argument == "item_id":
        if "product" in endpoint:
            return ids.get("product")
        return ids.get("priced_customer" if "Price" in endpoint else "customer")
    return {"change_id": ids.get("change"), "message_id": ids.get("message"), "step_id": ids.get("step"),
            "user_id": ids.get("user"), "import_id": ids.get("import"), "shipment_id": ids.get("shipment"),
            "template_id": ids.get("template"), "customer_id": ids.get("customer"), "invoice_id": ids.get("invoice"),
            "credit_note_id": ids.get("credit_note"), "product_id": ids.get("product"),
            "warehouse_id": ids.get("warehouse")}.get(argument)


def list_routes(app: Flask, ids: Ids, pattern: str | None) -> tuple[list[Route], list[tuple[str, str]]]:
    """Every GET route with its ids filled in; and the routes skipped, with why."""
    routes: list[Route] = []
    skipped: list[tuple[str, str]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        arguments = sorted(rule.arguments)
        variants: list[dict[str, Any]] = [{}]
        if "kind" in arguments:
            kinds = SHIPMENT_DOCUMENT_KINDS if "shipment_id" in arguments else DOCUMENT_KINDS
            variants = [{"kind": kind} for kind in kinds]
        made = []
        for variant in variants:
            values = dict(variant)
            missing = []
            for argument in arguments:
                if argument in values:
                    continue
                value = _value(rule.endpoint, argument, ids)
                if value is None:
                    missing.append(argument)
                values[argument] = value
            if missing:
                skipped.append((rule.rule, f"no {', '.join(missing)} in the data"))
                continue
            with app.test_request_context():
                path = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
            made.append(Route(rule.rule, rule.endpoint, path))
        if rule.endpoint == "core_api.Orders" and ids.get("middle_cursor"):  # the middle of the list, beside its start
            made.append(Route(rule.rule, rule.endpoint,
                              f"{rule.rule}?{urlencode({'cursor': ids.get('middle_cursor'), 'per_page': 50})}"))
        for route in made:
            if pattern is None or re.search(pattern, route.rule) or re.search(pattern, route.path):
                routes.append(route)
    return routes, skipped


# ---------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    def workers(self) -> list[int]:
        return children(self.process.pid)


def start_server(name: str, target: str, args: argparse.Namespace, folder: Path, env: dict[str, str],
                 ready_path: str) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
               "--threads", str(args.threads), "--config", args.gunicorn_config,
               "--access-logfile", str(folder / f"{name}-access.log"),
               "--error-logfile", str(folder / f"{name}-error.log"), "--timeout", str(int(args.timeout)),
               "--graceful-timeout", "5", target]  # how long a stopping worker may finish: the run's end only
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(name, port, process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} server exited; see {folder / f'{name}-error.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", ready_path)
                if connection.getresponse().status == 200 and len(server.workers()) >= args.workers:
                    return server
            finally:  # also while the workers are still starting: no socket left to the garbage collector
                connection.close()
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"{name} server did not answer {ready_path} within 120 s")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    try:
        import psutil  # type: ignore[import-not-found]

        return [child.pid for child in psutil.Process(pid).children()]
    except ImportError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemoryWatch(threading.Thread):
    """Samples the RSS of each server's workers every quarter second: the peak, and the last sample."""

    def __init__(self, servers: list[Server]) -> None:
        super().__init__(daemon=True)
        self.servers = servers
        self.peak: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.stopping = threading.Event()

    def sample(self) -> None:
        for server in self.servers:
            for pid in server.workers():
                value = rss_mb(pid)
                if value is not None:
                    key = (server.name, pid)
                    self.last[key] = value
                    self.peak[key] = max(value, self.peak.get(key, 0.0))

    def run(self) -> None:
        while not self.stopping.wait(0.25):
            self.sample()


# ---------------------------------------------------------------------------------------------- clients


class Client:
    """One keep-alive HTTP connection, reopened when the server has closed it."""

    def __init__(self, port: int, headers: dict[str, str], timeout: float) -> None:
        self.port, self.headers, self.timeout = port, headers, timeout
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, float]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            began = time.perf_counter()
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - began
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, elapsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                self.close()  # a keep-alive connection the server closed meanwhile: once more on a new one
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    wall: float = 0.0

    def add(self, status: int, elapsed: float) -> None:
        self.statuses[status] += 1
        if status >= 500:
            self.errors += 1
        self.seconds.append(elapsed)

    def percentile(self, q: float) -> float | None:
        if not self.seconds:
            return None
        ordered = sorted(self.seconds)  # nearest rank: the smallest value with q of the sample at or below it
        return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1] * 1000

    @property
    def rps(self) -> float | None:
        return len(self.seconds) / self.wall if self.wall else None


def one_client(ordo: Client, bare: Client, path: str, requests: int, budget: float,
               least: int) -> tuple[Sample, Sample]:
    """Ordo's and bare's requests alternating, each side first in turn."""
    ordo_sample, bare_sample = Sample(), Sample()
    began = time.perf_counter()
    for index in range(requests):
        if index >= least and time.perf_counter() - began > budget:
            break
        sides = [(ordo, ordo_sample, path), (bare, bare_sample, "/")]
        for client, sample, target in (sides if index % 2 == 0 else reversed(sides)):
            try:
                sample.add(*client.get(target))
            except OSError:
                sample.errors += 1
    ordo_sample.wall = sum(ordo_sample.seconds)
    bare_sample.wall = sum(bare_sample.seconds)
    return ordo_sample, bare_sample


def many_clients(port: int, headers: dict[str, str], path: str, clients: int, requests: int, budget: float,
                 timeout: float) -> Sample:
    """``clients`` threads, each on its own connection, until ``requests`` are sent or ``budget`` is spent."""
    sample = Sample()
    lock = threading.Lock()
    issued = [0]
    began = time.perf_counter()
    wanted = max(requests, clients)

    def work() -> None:
        client = Client(port, headers, timeout)
        first = True
        while True:
            with lock:
                if issued[0] >= wanted or (not first and time.perf_counter() - began > budget):
                    break
                issued[0] += 1
            first = False
            try:
                status, elapsed = client.get(path)
            except OSError:
                with lock:
                    sample.errors += 1
                continue
            with lock:
                sample.add(status, elapsed)
        client.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.wall = time.perf_counter() - began
    return sample


# ---------------------------------------------------------------------------------------------- signing in


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def portal_cookie(port: int, username: str, password: str) -> str:
    """The session cookie the login form hands out."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/login")
    response = connection.getresponse()
    form = response.read().decode()
    cookie = _cookies(response)
    found = CSRF.search(form)
    body = urlencode({"username": username, "password": password, **({"csrf_token": found.group(1)} if found else {})})
    connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 302:
        raise SystemExit(f"signing in as {username} answered {response.status}")
    return _cookies(response) or cookie


def _cookies(response: http.client.HTTPResponse) -> str:
    return "; ".join(header.split(";", 1)[0] for name, header in response.getheaders() if name.lower() == "set-cookie")


def api_tokens(app: Flask, company_id: int, roles: list[str],
               users: dict[str, tuple[str, str]] = USERS) -> dict[str, str]:
    """A bearer token per role's user, made as ``ordo tokens create`` makes one."""
    tokens = {}
    with app.app_context():
        with unit_of_work():
            for role in roles:
                user = db.session.execute(select(User).where(User.company_id == company_id,
                                                             User.username == users[role][0])).scalar_one()
                tokens[role] = create_token(user, "pages benchmark")[0]
        db.session.remove()
    return tokens


# ---------------------------------------------------------------------------------------------- statements


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statement_counts(app: Flask, company_id: int, wanted: list[tuple[Route, str]],
                     users: dict[str, tuple[str, str]] = USERS) -> dict[tuple[str, str], int]:
    """The SQL statements of one request of each (route, role), in-process, after a warm-up request."""
    tokens = api_tokens(app, company_id, sorted({role for _route, role in wanted}), users)
    portals: dict[str, Any] = {}
    counts = {}
    for route, role in wanted:
        if route.api:
            client, headers = app.test_client(), {"Authorization": f"Bearer {tokens[role]}"}
        else:
            if role not in portals:
                portals[role] = app.test_client()
                flow_data.portal_sign_in(portals[role], *users[role])
            client, headers = portals[role], {}
        client.get(route.path, headers=headers)
        with counting(app) as statements:
            client.get(route.path, headers=headers)
        counts[(route.path, role)] = len(statements)
    return counts


# ---------------------------------------------------------------------------------------------- in-process


def in_process(app: Flask, routes: list[Route], roles: list[str], tokens: dict[str, str],
               users: dict[str, tuple[str, str]], args: argparse.Namespace) -> None:
    """Each route per user in this process: no server, no network, so the figures are the request's own work.
    Wall-clock and CPU time (``time.process_time``: this process's, the database server's aside) per request,
    p50 and p99, and the statements of the last request. Every route is requested once first and the heap then
    frozen, as a server's worker does once warm (``gunicorn.conf.py``)."""
    portals = {}
    for role in roles:
        portals[role] = app.test_client()
        flow_data.portal_sign_in(portals[role], *users[role])
    api = app.test_client()

    def request(route: Route, role: str) -> tuple[Any, dict[str, str]]:
        if route.api:
            return api, {"Authorization": f"Bearer {tokens[role]}", "Accept": "application/json"}
        return portals[role], {}

    statuses = {}
    for route in routes:
        for role in roles:
            client, headers = request(route, role)
            response = client.get(route.path, headers=headers)
            response.close()
            statuses[(route.path, role)] = response.status_code
    gc.collect()
    gc.freeze()
    print(f"{'GET':{PATH_WIDTH}} {'as':8} {'st':>3} {'n':>4} {'wall p50':>8} {'p99':>7} {'CPU p50':>8} {'p99':>7} "
          f"{'SQL':>5}   load average {os.getloadavg()[0]:.1f}")
    for route in routes:
        for role in roles:
            client, headers = request(route, role)
            status = statuses[(route.path, role)]
            line = f"{route.path[:PATH_WIDTH]:{PATH_WIDTH}} {ROLE_NAMES.get(role, role)[:8]:8} {status:>3}"
            if status in REFUSED or status >= 500:
                print(line + (" refused" if status in REFUSED else " failed"), flush=True)
                continue
            wall, cpu = Sample(), Sample()
            began = time.perf_counter()
            statements: list[str] = []
            for index in range(args.requests):
                if index >= max(1, args.min_requests) and time.perf_counter() - began > args.budget:
                    break
                with counting(app) as statements:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    client.get(route.path, headers=headers).close()
                    wall.add(status, time.perf_counter() - started)
                    cpu.add(status, time.process_time() - started_cpu)
            print(f"{line} {len(wall.seconds):>4} {ms(wall.percentile(0.5)):>8} {ms(wall.percentile(0.99)):>7} "
                  f"{ms(cpu.percentile(0.5)):>8} {ms(cpu.percentile(0.99)):>7} {len(statements):>5}", flush=True)


# ---------------------------------------------------------------------------------------------- memory


def memory_probe(app: Flask, company_id: int, routes: list[Route], roles: list[str], tokens: dict[str, str],
                 users: dict[str, tuple[str, str]] = USERS) -> None:
    """Each route once per user, in this process, by route group (the path's first segment, the API's first
    two): the RSS after the group and its growth, what tracemalloc sees still alive of what the group allocated,
    and the route that grew the RSS most. The growth that is not alive is what the allocators hold for no live
    object (their free pages, or arenas a few objects pin)."""
    portals = {}
    for role in roles:
        portals[role] = app.test_client()
        flow_data.portal_sign_in(portals[role], *users[role])
    api = app.test_client()
    groups: dict[str, list[Route]] = {}
    for route in routes:
        parts = route.path.split("?")[0].strip("/").split("/")
        groups.setdefault("/" + "/".join(parts[:3] if parts[0] == "api" else parts[:1]), []).append(route)
    tracemalloc.start()
    print(f"{'routes':36} {'RSS MB':>7} {'grew':>7} {'alive':>7}  the route that grew it most")
    for group, members in groups.items():
        gc.collect()
        before, snapshot = rss_mb(os.getpid()) or 0.0, tracemalloc.take_snapshot()
        worst = (0.0, "")
        for route in members:
            for role in roles:
                began = rss_mb(os.getpid()) or 0.0
                if route.api:
                    response = api.get(route.path, headers={"Authorization": f"Bearer {tokens[role]}",
                                                            "Accept": "application/json"})
                else:
                    response = portals[role].get(route.path)
                response.close()
                grew = (rss_mb(os.getpid()) or 0.0) - began
                if grew > worst[0]:
                    worst = (grew, f"{route.path} as {role} ({response.status_code})")
        gc.collect()
        after = rss_mb(os.getpid()) or 0.0
        alive = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(snapshot, "filename")) / 2**20
        print(f"{group[:36]:36} {after:7.0f} {after - before:+7.1f} {alive:+7.1f}  "
              f"{f'{worst[1]} +{worst[0]:.1f} MB' if worst[0] >= 1 else ''}", flush=True)
    tracemalloc.stop()


def demo_company(app: Flask) -> tuple[int, int]:
    """The id of the company ``ordo demo`` loaded, and how many orders it holds."""
    with app.app_context():
        company_id = db.session.execute(select(Company.id).where(Company.code == flow_data.COMPANY)).scalar()
        if company_id is None:
            raise SystemExit(f"no demo company {flow_data.COMPANY} in this database: load it with `ordo demo`")
        orders = db.session.execute(select(func.count()).select_from(Order)
                                    .where(Order.company_id == company_id)).scalar() or 0
        db.session.remove()
    return company_id, orders


# ---------------------------------------------------------------------------------------------- the run


@dataclass
class Row:
    route: Route
    role: str
    status: int
    single: tuple[Sample, Sample] | None = None
    many: tuple[Sample, Sample] | None = None
    many_clients: int = 0


def ms(value: float | None) -> str:
    return "-" if value is None else (f"{value:,.0f}" if value >= 100 else f"{value:.1f}")


def ratio(bare: float | None, ordo: float | None) -> str:
    return "-" if not bare or not ordo else f"{bare / ordo:.2f}"


class Results(figures.Results):
    """The JSON lines of ``benchmarks.results``, with a sample's figures in one call."""

    def sample(self, sample: Sample, **where: Any) -> None:
        self.figure("requests", len(sample.seconds), **where)
        self.figure("p50_ms", _round(sample.percentile(0.50)), **where)
        self.figure("p99_ms", _round(sample.percentile(0.99)), **where)
        self.figure("max_ms", _round(sample.percentile(1.0)), **where)
        self.figure("errors", sample.errors, **where)
        if where.get("clients", 1) > 1:
            self.figure("requests_per_s", _round(sample.rps), **where)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


PATH_WIDTH = 46


def print_header(concurrency: list[int]) -> None:
    first = f"{'':{PATH_WIDTH}} {'':8} {'':>3}"
    second = f"{'GET':{PATH_WIDTH}} {'as':8} {'st':>3}"
    for clients in concurrency:
        title = "1 client, ms" if clients == 1 else f"{clients} clients, ms"
        if clients == 1:
            columns = f" | {'n':>4} {'p50':>7} {'p99':>7} {'bare p50':>8} {'p99':>6} {'x bare':>6}"
        else:
            columns = (f" | {'n':>4} {'p50':>7} {'p99':>7} {'max':>7} {'bare p50':>8} {'p99':>6} {'req/s':>6}"
                       f" {'x bare':>6}")
        first += f" | {title:^{len(columns) - 3}}"
        second += columns
    print(first)
    print(second)
    print("-" * len(second))


ROLE_NAMES = {"administrator": "admin", "customer": "customer", "sales": "sales"}


def print_row(row: Row, concurrency: list[int]) -> None:
    line = f"{row.route.path[:PATH_WIDTH]:{PATH_WIDTH}} {ROLE_NAMES.get(row.role, row.role)[:8]:8} {row.status:>3}"
    for clients in concurrency:
        pair = row.single if clients == 1 else row.many
        if pair is None:
            line += " | " + ("refused" if row.status in REFUSED else "failed" if row.status == 0 or row.status >= 500
                             else "-")
            continue
        ordo, bare = pair
        p50, bare_p50 = ordo.percentile(0.5), bare.percentile(0.5)
        line += f" | {len(ordo.seconds):>4} {ms(p50):>7} {ms(ordo.percentile(0.99)):>7}"
        if clients == 1:
            line += f" {ms(bare_p50):>8} {ms(bare.percentile(0.99)):>6} {ratio(bare_p50, p50):>6}"
        else:
            line += (f" {ms(ordo.percentile(1.0)):>7} {ms(bare_p50):>8} {ms(bare.percentile(0.99)):>6}"
                     f" {ordo.rps or 0:>6.1f} {ratio(ordo.rps, bare.rps):>6}")
        if ordo.errors:
            line += f" ({ordo.errors} errors)"
    print(line, flush=True)


def _interrupted(_signal: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # the servers are stopped on the way out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    concurrency = ([int(c) for c in args.concurrency.split(",")] if args.concurrency else [1, args.clients])
    began = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="ordo-pages-"))
    secret = secrets.token_hex(32)  # the server's, and this process's app's: the list cursors it signs work there
    if args.demo:
        if not args.database_url:
            raise SystemExit("--demo needs --database-url: the database `ordo demo` loaded")
        url, users = args.database_url, DEMO_USERS
        app = flow_data.make_app(url, folder / "instance", SECRET_KEY=secret)
        company_id, args.orders = demo_company(app)
        print(f"the demo's {args.orders:,} orders in {url.split('@')[-1]}", flush=True)
    else:
        url = args.database_url or f"sqlite:///{Path(tempfile.gettempdir()) / f'ordo-bench-{args.orders}.sqlite'}"
        users = USERS
        dataset = flow_data.generate(url, args.orders, reuse=args.reuse, progress=True)
        how = "kept" if dataset.reused else f"generated in {time.perf_counter() - began:.0f} s"
        print(f"{args.orders:,} orders made by flows ({how}) in {url.split('@')[-1]}", flush=True)
        app = flow_data.make_app(url, folder / "instance", SECRET_KEY=secret)
        company_id = dataset.company_id
    ids = find_ids(app, company_id, users["customer"][0] if args.demo else None)
    routes, skipped = list_routes(app, ids, args.routes)
    tokens = api_tokens(app, company_id, roles, users)
    with app.app_context():
        dialect = db.engine.dialect.name
        db.session.remove()
        db.engine.dispose()

    if args.memory:
        memory_probe(app, company_id, routes, roles, tokens, users)
        return 0
    if args.in_process:
        in_process(app, routes, roles, tokens, users, args)
        return 0

    env = {**os.environ, "ORDO_DATABASE_URL": url, "ORDO_INSTANCE_PATH": str(folder / "instance"),
           "ORDO_SECRET_KEY": secret}
    ordo = start_server("ordo", "core.app:create_app()", args, folder, env, "/api/v1/openapi.json")
    try:
        bare = start_server("bare", "benchmarks.bare_app:create_app()", args, folder, env, "/")
    except BaseException:
        stop(ordo)
        raise
    watch = MemoryWatch([ordo, bare])
    watch.sample()
    watch.start()
    server = (f"gunicorn gthread, {args.workers} workers x {args.threads} threads, "
              f"{Path(args.gunicorn_config).name}, access log")
    run = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results = Results("pages", Path(args.output), run=run, database=dialect, orders=args.orders, server=server,
                      load_average=round(os.getloadavg()[0], 1))
    print(f"Ordo on :{ordo.port}, bare Flask on :{bare.port} ({server}); {len(routes)} paths x {len(roles)} users; "
          f"at most {args.requests} requests or {args.budget:g} s per measurement; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    for rule, why in skipped:
        print(f"skipped {rule}: {why}")
        results.figure("skipped", why, route=rule)

    rows: list[Row] = []
    try:
        cookies = {role: portal_cookie(ordo.port, *users[role]) for role in roles}
        print_header(concurrency)
        for number, route in enumerate(routes):
            for role in roles:
                headers = ({"Authorization": f"Bearer {tokens[role]}", "Accept": "application/json"} if route.api
                           else {"Cookie": cookies[role]})
                row = measure(route, role, headers, ordo, bare, args, concurrency, first_bare=number % 2 == 1)
                rows.append(row)
                record(results, row)
                print_row(row, concurrency)
        watch.sample()
    finally:
        watch.stopping.set()
        watch.join()
        watch.sample()
        stop(ordo)
        stop(bare)
    memory(watch, results)
    results.figure("load_average_at_end", round(os.getloadavg()[0], 1))

    timed = [row for row in rows if row.single is not None]
    if args.statements != "none" and timed:
        slowest = max(timed, key=lambda row: row.single[0].percentile(0.5) or 0.0)  # type: ignore[index]
        wanted = [(row.route, row.role) for row in timed] if args.statements == "all" else [(slowest.route,
                                                                                             slowest.role)]
        app = flow_data.make_app(url, folder / "instance", SECRET_KEY=secret)
        counts = statement_counts(app, company_id, wanted, users)
        for (path, role), count in counts.items():
            results.figure("statements", count, route=path, role=role, clients=1, side="ordo")
            if args.statements == "all":
                print(f"statements  {path:58} {role:13} {count:>6}")
        print(f"heaviest page: GET {slowest.route.path} as {slowest.role}, p50 "
              f"{ms(slowest.single[0].percentile(0.5))} ms: "  # type: ignore[index]
              f"{counts[(slowest.route.path, slowest.role)]} SQL statements in one request (in-process)")
    print(f"figures: {args.output} ({time.perf_counter() - began:.0f} s in all)")
    return 0


def measure(route: Route, role: str, headers: dict[str, str], ordo: Server, bare: Server,
            args: argparse.Namespace, concurrency: list[int], first_bare: bool) -> Row:
    ordo_client = Client(ordo.port, headers, args.timeout)
    bare_client = Client(bare.port, {}, args.timeout)
    try:
        status, first = ordo_client.get(route.path)  # the first request: warm, and whether the user may
        bare_status, bare_first = bare_client.get("/")
    except OSError:
        status = 0
    row = Row(route, role, status)
    if status in REFUSED or status == 0 or status >= 500:
        ordo_client.close()
        bare_client.close()
        return row
    if 1 in concurrency and args.min_requests == 0 and first > args.budget:
        # A page slower than the whole budget: its first request is the measurement.
        row.single = (Sample(), Sample())
        row.single[0].add(status, first)
        row.single[1].add(bare_status, bare_first)
    elif 1 in concurrency:
        row.single = one_client(ordo_client, bare_client, route.path, args.requests, args.budget, args.min_requests)
    ordo_client.close()
    bare_client.close()
    for clients in [c for c in concurrency if c > 1]:
        def block(server: Server, path: str, extra: dict[str, str], clients: int = clients) -> Sample:
            return many_clients(server.port, extra, path, clients, args.requests, args.budget, args.timeout)

        if first_bare:
            bare_sample = block(bare, "/", {})
            ordo_sample = block(ordo, route.path, headers)
        else:
            ordo_sample = block(ordo, route.path, headers)
            bare_sample = block(bare, "/", {})
        row.many, row.many_clients = (ordo_sample, bare_sample), clients
    return row


def record(results: Results, row: Row) -> None:
    where = {"route": row.route.rule, "path": row.route.path, "endpoint": row.route.endpoint, "role": row.role}
    results.figure("status", row.status, **where)
    for count, pair in ((1, row.single), (row.many_clients, row.many)):
        if pair is None:
            continue
        ordo, bare = pair
        results.sample(ordo, **where, clients=count, side="ordo")
        results.sample(bare, **where, clients=count, side="bare")
        p50, bare_p50 = ordo.percentile(0.5), bare.percentile(0.5)
        results.figure("p50_of_bare", _round(bare_p50 / p50) if p50 and bare_p50 else None, **where,
                       clients=count, side="ratio")
        if count > 1:
            results.figure("rps_of_bare", _round(ordo.rps / bare.rps) if ordo.rps and bare.rps else None, **where,
                           clients=count, side="ratio")


def memory(watch: MemoryWatch, results: Results) -> None:
    for name in ("ordo", "bare"):
        peaks = {pid: value for (server, pid), value in watch.peak.items() if server == name}
        lasts = {pid: value for (server, pid), value in watch.last.items() if server == name}
        if not peaks:
            continue
        for pid in sorted(peaks):
            results.figure("rss_peak_mb", round(peaks[pid], 1), side=name, worker=pid)
            results.figure("rss_after_mb", round(lasts.get(pid, 0.0), 1), side=name, worker=pid)
        print(f"{name} workers' RSS: peak {', '.join(f'{v:.0f}' for v in peaks.values())} MB; at the end "
              f"{', '.join(f'{v:.0f}' for v in lasts.values())} MB")


if __name__ == "__main__":
    sys.exit(main())
