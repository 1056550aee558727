#!/usr/bin/env python3
"""The KPI dashboard, a person's scorecard and every analytics page at a million orders: each service against
one hand-written SQL query computing the same numbers, in the same run.

Generates N orders (default 1,000,000) of 2,000 customers in 10 provinces (3 cities each) and 20 salespeople
over the year before today, each with two lines of the world's products, a channel, and the facts its events
would have recorded: an intake task, three review steps (sales, finance, production; some late, some decided
by rules), a delivered order (some corrected, some with a refused or reserved line, most rated), the total
falling due and, for most, a payment (a few reversed). Everything is bulk-inserted with SQLAlchemy Core (ids
given, no ``RETURNING``) by ``--workers`` processes, a chunk of 20,000 orders at a time from the chunk's own
seed, the five bulk tables' indexes made after the load; or copied into PostgreSQL from the SQLite file a first
run made (``--copy-from``).
Then, alternating, it times each of these against its hand-written query (``--stuck URL`` instead times the
stuck orders' list on a ``flow_data.py`` database against a GROUP BY of each order's latest status change over
the audit log, as the page read it before issue 16):

- ``dashboard``: the four indicators for the company over the last twelve months (the indicators page's
  cards and ``GET /api/v1/kpi``'s company figures); the SQL: a scalar subquery per indicator;
- ``scorecard``: a salesperson's scorecard for the last full month (four lines, each over three months, the
  targets and flags, and the dunning notices and promises of the month); the SQL groups the same facts by month;
- ``regions``: orders and amounts by province and city, this year's and the year before's;
- ``customers``: RFM segments at the company's medians, as the page shows them by default (the service
  finds the medians itself, over the per-customer rows it reads in its one statement); the SQL segments at
  those thresholds;
- ``months``: orders, customers and amount per month of the year; ``mix``: the products (the largest 200)
  and the channels of the year's orders (the trends page's three tables: months, products, channels);
- ``cycle times``: each stage's count, median, 90th percentile and average duration over the year.

It checks each service and its SQL give the same numbers, prints the medians and the ratios service / sql
(goal, issue 21: under 1 s on PostgreSQL and within 2x of the hand-written SQL), and appends them to
``benchmarks/results/latest.jsonl``.

    .venv/bin/python benchmarks/kpi.py --orders 100000                       # SQLite, in a temp dir
    .venv/bin/python benchmarks/kpi.py --orders 100000 --database-url postgresql://postgres@127.0.0.1/kpi_bench \\
        --copy-from /tmp/ordo-bench-kpi/kpi-100000.sqlite     # the same data, copied from the SQLite run's file
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench_db  # noqa: E402
from benchmarks.results import Results  # noqa: E402

CUSTOMERS = 2_000
SALESPEOPLE = 20
PROVINCES = ("广东省", "江苏省", "浙江省", "山东省", "河南省", "四川省", "湖北省", "福建省", "湖南省", "上海市")
CITIES = 3  # a province's
CHUNK = 20_000
HOUR = timedelta(hours=1)
CASES = ("dashboard", "scorecard", "regions", "customers", "months", "mix", "cycle times")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--workers", type=int, default=2, help="processes generating the orders")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES), help="time these only")
    parser.add_argument("--stuck", metavar="DATABASE_URL", default=None,
                        help="instead: the stuck orders' list (its count and first page) on a flow_data.py database, "
                             "against the GROUP BY over every audit entry it used before")
    bench_db.add_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.stuck:
        stuck(args.stuck, args.rounds)
        return
    from sqlalchemy import select

    from core.extensions import db
    from core.models import User
    from plugins.kpi.facts.models import KpiOrder

    app, url = bench_db.open_app("kpi", args.orders, args.database_url)
    with app.app_context():
        bench_db.prepare(url, counted=KpiOrder, size=args.orders, reuse=args.reuse, copy_from=args.copy_from,
                         generate=lambda: generate(app, args.orders, args.seed, args.workers),
                         what="orders with their facts")
        add_missing_indexes()
        person = db.session.execute(select(User.id).where(User.username == "bench-sales-0")
                                    .order_by(User.id).limit(1)).scalar_one()
        manager = db.session.execute(select(User.id).where(User.username.like("%-manager"))
                                     .order_by(User.id).limit(1)).scalar_one()
        database = db.engine.dialect.name
        db.session.remove()
    run(app, manager, person, args.rounds, Results("kpi", database=database, orders=args.orders), args.cases)


def stuck(url: str, rounds: int) -> None:
    """``/supervision/stuck``'s statements (the count and the first page at 7 days) against the same list with
    each order's latest status change from a GROUP BY over all the company's audit entries (the page's query
    before issue 16, with the events that change the status), alternating; the same orders checked. The
    database is upgraded first (``flask db upgrade``: core_0021 gives its orders ``status_changed_at``)."""
    from sqlalchemy import func, select

    from core.app import create_app
    from core.extensions import db
    from core.models import AuditEntry, Company, Customer, Order, User
    from core.orders.events import OrderEvent
    from plugins.kpi.supervision.stuck import OPEN, Stuck, stuck_spec

    changes = tuple(event.value for event in (OrderEvent.SUBMIT, OrderEvent.REVIEW_DECIDED,
                                              OrderEvent.START_PRODUCTION, OrderEvent.SHIP, OrderEvent.DELIVER))

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=str(Path(url.split("///")[-1]).parent))
    with app.app_context():
        company = db.session.execute(select(Company).order_by(Company.id).limit(1)).scalar_one()
        user = db.session.execute(select(User).where(User.company_id == company.id).limit(1)).scalar_one()
        asked = Stuck(company.today(), 7)
        cutoff = asked.cutoff(company)
        spec = stuck_spec(company, asked)
        since = next(column.expr for column in spec.columns if column.key == "since")

        def service() -> Any:
            return spec.source(user).with_only_columns(Order.id, since), since

        def grouped() -> Any:
            last = (select(AuditEntry.order_id.label("order_id"), func.max(AuditEntry.at).label("since"))
                    .where(AuditEntry.company_id == company.id, AuditEntry.entity == "order",
                           AuditEntry.action.in_(changes)).group_by(AuditEntry.order_id).subquery())
            old_since = func.coalesce(last.c.since, Order.submitted_at)
            return (select(Order.id, old_since).join(Customer, Customer.id == Order.customer_id)
                    .outerjoin(last, last.c.order_id == Order.id)
                    .where(Order.company_id == company.id, Order.status.in_(OPEN), old_since < cutoff)), old_since

        times: dict[str, list[float]] = defaultdict(list)
        found: dict[str, Any] = {}
        for round_ in range(rounds + 1):
            for name, make in (("service", service), ("group by", grouped)):
                statement, moment = make()
                started = time.perf_counter()
                count = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
                page = db.session.execute(statement.order_by(moment, Order.id).limit(51)).scalars().all()
                elapsed = time.perf_counter() - started
                if round_:
                    times[name].append(elapsed)
                found[name] = (count, page)
                print(f"round {round_}: {name:<9} {elapsed * 1000:9.1f} ms ({count:,} stuck)", flush=True)
        if found["service"] != found["group by"]:
            raise SystemExit("the stuck orders differ")
        entries = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
        print(f"stuck orders: {found['service'][0]:,} of {entries:,} audit entries; service "
              f"{medians['service']:.1f} ms, group by {medians['group by']:.1f} ms, "
              f"service / group by {medians['service'] / medians['group by']:.2f}")


def add_missing_indexes() -> None:
    """The indexes the models declare that reused (or copied) data lacks: ``create_all`` adds missing tables, not
    the indexes added to existing ones since (the kpi migrations' ``ix_kpi_task_durations``, ...); the planner's
    statistics are brought up to date again when one was made."""
    from sqlalchemy import inspect, text

    from core.extensions import db

    made = []
    for table in db.metadata.sorted_tables:
        present = {index["name"] for index in inspect(db.engine).get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(db.engine)
                made.append(index.name)
    if made:
        print(f"made the indexes the data lacked: {', '.join(sorted(str(name) for name in made))}", flush=True)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"))


def generate(app: Any, count: int, seed: int, workers: int = 1) -> None:
    """The company, its customers and salespeople, and ``count`` delivered orders with their lines and facts, made
    by ``workers`` processes."""
    from sqlalchemy import func, insert, select

    from core.db import commit
    from core.extensions import db
    from core.models import Channel, Customer, Order, OrderLine, OrderStatus, User
    from plugins.kpi.facts.models import KpiMoney, KpiOrder, KpiTask
    from tests import factories, orders

    db.drop_all()
    db.create_all()
    world = factories.build_world(app, "BENCH")
    [template_id] = orders.bulk(world, 1, status=OrderStatus.COMPLETED)
    commit()
    company_id, now = world.company.id, datetime.now(timezone.utc)

    def copies(table: Any, template: dict[str, Any], rows: list[dict[str, Any]]) -> list[int]:
        base = {key: value for key, value in template.items() if key != "id"}
        return list(db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                       [{**base, **row} for row in rows]).scalars())

    def template_of(table: Any, row_id: int) -> dict[str, Any]:
        return dict(db.session.execute(select(table).where(table.c.id == row_id)).mappings().one())

    customers = copies(Customer.__table__, template_of(Customer.__table__, world.customers[0].id), [
        {"code": f"B{n:05d}", "name": f"客户 {n:05d}", "province": PROVINCES[n % len(PROVINCES)],
         "city": f"{PROVINCES[n % len(PROVINCES)][:2]}{n // len(PROVINCES) % CITIES + 1}市"}
        for n in range(CUSTOMERS)])
    people = copies(User.__table__, template_of(User.__table__, world.users["sales"].id),
                    [{"username": f"bench-sales-{n}", "name": f"销售 {n:02d}", "email": f"s{n}@bench.example"}
                     for n in range(SALESPEOPLE)])
    deciders = [world.users[role].id for role in ("sales", "finance", "production")]
    order_template = {key: value for key, value in template_of(Order.__table__, template_id).items() if key != "id"}
    line_templates = [{key: value for key, value in dict(row).items() if key not in ("id", "order_id")}
                      for row in db.session.execute(select(OrderLine.__table__)
                                                    .where(OrderLine.order_id == template_id)).mappings()]
    products = [product.id for product in world.products]
    channels = list(Channel)
    next_id = db.session.execute(select(func.max(Order.id))).scalar_one() + 1
    commit()
    bulk = [table.__table__ for table in (Order, OrderLine, KpiTask, KpiOrder, KpiMoney)]
    deferred = [index for table in bulk for index in table.indexes]
    # Each chunk's rows land at random places of a dozen indexes: inserted one by one into a growing b-tree
    # (SQLite's default page cache is 2 MB) they took most of the time past 200,000 orders. They are made
    # after the load instead, each from one sorted pass.
    for index in deferred:
        index.drop(db.engine)
    shared = Shared(company_id, now, customers, people, deciders, order_template, line_templates, products,
                    channels, next_id)
    chunks = list(range(0, count, CHUNK))
    db.session.remove()
    db.engine.dispose()
    # Each chunk's rows are made from its own seed, whichever process makes them, so the data does not depend on
    # the number of workers; the processes share the machine's cores (SQLite takes their writes in turn).
    started = time.perf_counter()
    work = [(shared, seed, start, min(CHUNK, count - start)) for start in chunks]
    with multiprocessing.get_context("fork").Pool(workers, initializer=_forked) as pool:
        for done, _size in enumerate(pool.imap_unordered(_load_chunk, work), start=1):
            print(f"  {min(done * CHUNK, count):,} orders ({time.perf_counter() - started:.0f} s)", flush=True)
    started = time.perf_counter()
    for index in deferred:
        index.create(db.engine)
    print(f"  made {len(deferred)} indexes in {time.perf_counter() - started:.0f} s", flush=True)
    with db.engine.begin() as connection:
        bench_db.move_sequence(connection, Order.__table__)


@dataclass(frozen=True)
class Shared:
    """What every chunk of the generated orders is made from."""

    company_id: int
    now: datetime
    customers: list[int]
    people: list[int]
    deciders: list[int]
    order_template: dict[str, Any]
    line_templates: list[dict[str, Any]]
    products: list[int]
    channels: list[Any]
    next_id: int


def _forked() -> None:
    """In a worker process: connections of its own (the parent's are not shared across a fork)."""
    from core.extensions import db

    db.engine.dispose(close=False)


def _load_chunk(arguments: tuple[Shared, int, int, int]) -> int:
    load_chunk(*arguments)
    return arguments[3]


def load_chunk(shared: Shared, seed: int, start: int, size: int) -> None:
    """Orders ``start`` to ``start + size`` with their lines and facts, from the chunk's own seed, in one
    transaction."""
    from sqlalchemy import insert, text

    from core.extensions import db
    from core.models import Order, OrderLine
    from plugins.kpi.facts.models import KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage

    rng = random.Random(seed * 1_000_003 + start)
    company_id, now, customers, people, deciders = (shared.company_id, shared.now, shared.customers, shared.people,
                                                    shared.deciders)
    order_template, line_templates, products, channels, next_id = (
        shared.order_template, shared.line_templates, shared.products, shared.channels, shared.next_id)
    order_rows, lines, tasks, delivered, money = [], [], [], [], []
    for n in range(start, start + size):
        order_id, customer, person = next_id + n, rng.choice(customers), rng.choice(people)
        received = now - timedelta(seconds=rng.randint(3 * 86400, 365 * 86400))
        submitted = received + timedelta(minutes=rng.randint(5, 36 * 60))
        total = Decimal(rng.randint(10_000, 1_000_000)) / 100
        order_rows.append({**order_template, "id": order_id, "number": f"BO{n:08d}", "customer_id": customer,
                           "created_by_id": person, "total": total, "subtotal": total,
                           "tax_total": Decimal("0.00"), "received_at": received, "submitted_at": submitted,
                           "channel": rng.choice(channels)})
        for line in line_templates:
            lines.append({**line, "order_id": order_id, "product_id": rng.choice(products),
                          "quantity": Decimal(rng.randint(1, 20)), "amount": total / 2})
        tasks.append({"company_id": company_id, "order_id": order_id, "stage": TaskStage.INTAKE,
                      "department": "sales", "person_id": person, "arrived_at": received,
                      "due_at": received + 24 * HOUR, "done_at": submitted,
                      "on_time": submitted <= received + 24 * HOUR,
                      "seconds": int((submitted - received).total_seconds())})
        opened = submitted
        for department, decider in zip(("sales", "finance", "production"), deciders, strict=True):
            decided = opened + timedelta(minutes=rng.randint(1, 30 * 60))
            due = None if rng.random() < 0.05 else opened + 24 * HOUR
            tasks.append({"company_id": company_id, "order_id": order_id, "stage": TaskStage.REVIEW,
                          "department": department, "person_id": decider, "arrived_at": opened,
                          "due_at": due, "done_at": decided, "on_time": None if due is None else decided <= due,
                          "seconds": int((decided - opened).total_seconds())})
            opened = decided
        signed = min(opened + timedelta(hours=rng.randint(24, 240)), now)
        corrections, refused, reserved = int(rng.random() < 0.08), int(rng.random() < 0.03), \
            int(rng.random() < 0.05)
        delivered.append({"company_id": company_id, "order_id": order_id, "customer_id": customer,
                          "salesperson_id": person, "delivered_at": signed,
                          "lead_seconds": int((signed - submitted).total_seconds()), "corrections": corrections,
                          "refused_lines": refused, "reserved_lines": reserved,
                          "accurate": not (corrections or refused or reserved),
                          "rating": None if rng.random() < 0.2 else rng.choice((2, 3, 4, 4, 5, 5))})
        common = {"company_id": company_id, "order_id": order_id, "customer_id": customer,
                  "salesperson_id": person}
        money.append({**common, "kind": MoneyKind.DUE, "amount": total, "at": signed})
        if rng.random() < 0.85:
            paid_at = min(signed + timedelta(days=rng.randint(0, 60)), now)
            money.append({**common, "kind": MoneyKind.COLLECTED, "amount": total, "at": paid_at})
            if rng.random() < 0.02:
                money.append({**common, "kind": MoneyKind.COLLECTED, "amount": -total,
                              "at": min(paid_at + timedelta(days=2), now)})
    with db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("PRAGMA busy_timeout = 600000"))  # ms: the other workers' writes come first
            connection.execute(text("PRAGMA cache_size = -500000"))  # KiB: 500 MB for this connection
        for table, rows in ((Order, order_rows), (OrderLine, lines), (KpiTask, tasks), (KpiOrder, delivered),
                            (KpiMoney, money)):
            connection.execute(insert(table.__table__), rows)


def run(app: Any, manager_id: int, person_id: int, rounds: int, figures: Results,
        cases: list[str] | tuple[str, ...] = CASES) -> None:
    from core.extensions import db
    from core.models import User
    from plugins.kpi.analytics.period import Period as AnalyticsPeriod
    from plugins.kpi.analytics.rfm import AskedThresholds, per_customer, thresholds
    from plugins.kpi.indicators import services as indicators
    from plugins.kpi.scorecards import services as scorecards
    from plugins.kpi.scorecards.models import PeriodKind

    with app.app_context(), app.test_request_context():
        user = db.session.get_one(User, manager_id)
        company, today = user.company, user.company.today()
        company_id, zone, currency = company.id, company.zone, company.currency
        year = indicators.period_of(company_id, today - timedelta(days=364), today)
        analysed = AnalyticsPeriod(today, 12, zone)
        month = scorecards.ScorePeriod(PeriodKind.MONTH, today.replace(day=1)).shifted(-1)
        # The medians the customers page segments at, found once: the SQL is given them.
        medians, _count = thresholds(company, analysed, AskedThresholds(), per_customer(company, analysed))
        db.session.remove()
    services: dict[str, Callable[[Any], tuple]] = {
        "dashboard": lambda _company: dashboard(company_id, year),
        "scorecard": lambda _company: scorecard(company_id, person_id, month),
        "regions": lambda company: regions(company, analysed),
        "customers": lambda company: customers(company, analysed),
        "months": lambda company: months(company, analysed),
        "mix": lambda company: mix(company, analysed),
        "cycle times": lambda _company: cycle_times(company_id, year),
    }
    hand: dict[str, Callable[[], tuple]] = {
        "dashboard": lambda: dashboard_sql(db, company_id, year),
        "scorecard": lambda: scorecard_sql(db, company_id, person_id, month),
        "regions": lambda: regions_sql(db, company_id, currency, analysed),
        "customers": lambda: customers_sql(db, company_id, currency, analysed, medians),
        "months": lambda: months_sql(db, company_id, currency, analysed),
        "mix": lambda: mix_sql(db, company_id, currency, analysed),
        "cycle times": lambda: cycle_times_sql(db, company_id, year),
    }
    times: dict[str, list[float]] = defaultdict(list)
    results: dict[str, Any] = {}
    for round_ in range(rounds + 1):  # the first round warms the caches and is not counted
        for case in cases:
            for name in (case, f"{case} sql"):
                with app.app_context(), app.test_request_context():
                    company = db.session.get_one(User, manager_id).company
                    started = time.perf_counter()
                    found = services[case](company) if name == case else hand[case]()
                    elapsed = time.perf_counter() - started
                    db.session.remove()
                if round_:
                    times[name].append(elapsed)
                results[name] = found
                print(f"round {round_}{' (warm-up)' if not round_ else ''}: {name:<16} {elapsed * 1000:9.1f} ms",
                      flush=True)
    for case in cases:
        if results[case] != results[f"{case} sql"]:
            raise SystemExit(f"{case}: the service's numbers {results[case]} differ from the SQL's "
                             f"{results[case + ' sql']}")
        print(f"same numbers: {case:<12} {str(results[case])[:150]}")
    medians_ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, median in medians_ms.items():
        print(f"median {name:<16} {median:9.1f} ms")
    for case in cases:
        ratio = medians_ms[case] / medians_ms[f"{case} sql"]
        print(f"{case:<12} service {medians_ms[case]:8.1f} ms, sql {medians_ms[case + ' sql']:8.1f} ms, "
              f"service / sql {ratio:.2f}")
        figures.figure("ms", round(medians_ms[case], 1), case=case, side="service")
        figures.figure("ms", round(medians_ms[f"{case} sql"], 1), case=case, side="sql")
        figures.figure("ratio", round(ratio, 3), case=case, of="service / sql")


def dashboard(company_id: int, span: Any) -> tuple:
    """The company's four indicators over ``span``, as the services give them."""
    from plugins.kpi.indicators import services as indicators

    (timely,) = indicators.timeliness(company_id, span)
    (accurate,) = indicators.accuracy(company_id, span)
    (satisfied,) = indicators.satisfaction(company_id, span)
    (collected,) = indicators.collection(company_id, span)
    return ((timely.on_time, timely.timed), (accurate.accurate, accurate.delivered),
            (satisfied.rated, satisfied.rating_sum, satisfied.high),
            (collected.due, collected.collected, collected.outstanding))


def _moments(**moments: datetime) -> tuple[Any, ...]:
    from sqlalchemy import bindparam

    from core.models.types import UTCDateTime

    return tuple(bindparam(name, value, type_=UTCDateTime()) for name, value in moments.items())


def dashboard_sql(db: Any, company_id: int, span: Any) -> tuple:
    from sqlalchemy import text

    query = text("""
        SELECT
          (SELECT sum(CASE WHEN on_time THEN 1 ELSE 0 END) FROM kpi_task
            WHERE company_id = :company AND done_at >= :start AND done_at < :end),
          (SELECT count(on_time) FROM kpi_task WHERE company_id = :company AND done_at >= :start AND done_at < :end),
          (SELECT sum(CASE WHEN accurate THEN 1 ELSE 0 END) FROM kpi_order
            WHERE company_id = :company AND delivered_at >= :start AND delivered_at < :end),
          (SELECT count(*) FROM kpi_order WHERE company_id = :company AND delivered_at >= :start
            AND delivered_at < :end),
          (SELECT count(rating) FROM kpi_order WHERE company_id = :company AND delivered_at >= :start
            AND delivered_at < :end),
          (SELECT sum(rating) FROM kpi_order WHERE company_id = :company AND delivered_at >= :start
            AND delivered_at < :end),
          (SELECT sum(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) FROM kpi_order WHERE company_id = :company
            AND delivered_at >= :start AND delivered_at < :end),
          m.due, m.collected, m.outstanding
        FROM (SELECT sum(CASE WHEN kind = 'due' AND at >= :start THEN amount ELSE 0 END) AS due,
                     sum(CASE WHEN kind = 'collected' AND at >= :start THEN amount ELSE 0 END) AS collected,
                     sum(CASE WHEN kind = 'due' THEN amount ELSE -amount END) AS outstanding
              FROM kpi_money WHERE company_id = :company AND at < :end) AS m""").bindparams(
        *_moments(start=span.start, end=span.end), company=company_id)
    row = db.session.execute(query).one()
    cents = [Decimal(str(value)).quantize(Decimal("0.01")) for value in row[7:]]
    return ((row[0], row[1]), (row[2], row[3]), (row[4], int(row[5]), row[6]), tuple(cents))


def scorecard(company_id: int, person_id: int, month: Any) -> tuple:
    from plugins.kpi.scorecards import services as scorecards

    card = scorecards.scorecard(company_id, scorecards.Subject(scorecards.Dimension.PERSON, person_id), month)
    chasing = next(line.chasing for line in card.lines if line.chasing is not None)
    return (*((line.indicator.value, tuple(value for _period, value in line.trend)) for line in card.lines),
            ("chasing", (chasing.notices, chasing.promised, chasing.kept, chasing.broken)))


def scorecard_sql(db: Any, company_id: int, person_id: int, month: Any) -> tuple:
    """The four lines over three months in one query: each fact table's rows of the person in the three
    months, grouped by month; and the person's collection facts of the last month, by kind."""
    from sqlalchemy import text

    from plugins.kpi.indicators.services import ratio

    periods = [month.shifted(-back) for back in (2, 1, 0)]
    spans = [period.span(company_id) for period in periods]
    bucket = "CASE WHEN {c} < :b1 THEN 0 WHEN {c} < :b2 THEN 1 ELSE 2 END"
    query = text(f"""
        SELECT 'timeliness', {bucket.format(c='done_at')}, sum(CASE WHEN on_time THEN 1 ELSE 0 END), count(on_time), 0
          FROM kpi_task WHERE company_id = :company AND person_id = :person AND done_at >= :b0 AND done_at < :b3
          GROUP BY 2
        UNION ALL
        SELECT 'orders', {bucket.format(c='delivered_at')}, sum(CASE WHEN accurate THEN 1 ELSE 0 END), count(*),
               0 FROM kpi_order WHERE company_id = :company AND salesperson_id = :person AND delivered_at >= :b0
               AND delivered_at < :b3 GROUP BY 2
        UNION ALL
        SELECT 'rating', {bucket.format(c='delivered_at')}, sum(rating), count(rating), 0
          FROM kpi_order WHERE company_id = :company AND salesperson_id = :person AND delivered_at >= :b0
          AND delivered_at < :b3 AND rating IS NOT NULL GROUP BY 2
        UNION ALL
        SELECT 'money', {bucket.format(c='at')}, sum(CASE WHEN kind = 'collected' THEN amount ELSE 0 END),
               sum(CASE WHEN kind = 'due' THEN amount ELSE 0 END), 0
          FROM kpi_money WHERE company_id = :company AND salesperson_id = :person AND at >= :b0 AND at < :b3
          GROUP BY 2
        UNION ALL
        SELECT kind, 2, count(*), 0, 0 FROM kpi_collection
         WHERE company_id = :company AND salesperson_id = :person AND at >= :b2 AND at < :b3 GROUP BY kind""").bindparams(
        *_moments(b0=spans[0].start, b1=spans[1].start, b2=spans[2].start, b3=spans[2].end),
        company=company_id, person=person_id)
    found: dict[tuple[str, int], tuple[Any, Any]] = {
        (kind, month_): (part, whole) for kind, month_, part, whole, _zero in db.session.execute(query)}

    def line(kind: str, places: str = "0.0001") -> tuple:
        values = []
        for index in range(3):
            part, whole = found.get((kind, index), (0, 0))
            values.append(ratio(Decimal(str(part)).quantize(Decimal("0.01")) if kind == "money" else part,
                                Decimal(str(whole)).quantize(Decimal("0.01")) if kind == "money" else whole,
                                Decimal(places)))
        return tuple(values)

    chasing = tuple(int(found.get((kind, 2), (0, 0))[0]) for kind in ("dunning", "promised", "kept", "broken"))
    return (("timeliness", line("timeliness")), ("accuracy", line("orders")), ("satisfaction", line("rating", "0.01")),
            ("collection", line("money")), ("chasing", chasing))


def _counted(alias: str = "o") -> str:
    """The analytics' orders that count: the company's, in its currency, neither draft, rejected nor cancelled,
    submitted from :start to :end."""
    return (f"{alias}.company_id = :company AND {alias}.currency = :currency AND {alias}.status NOT IN "
            f"('draft', 'rejected', 'cancelled') AND {alias}.submitted_at >= :start AND {alias}.submitted_at < :end")


def _money(value: Any) -> Decimal:
    from plugins.kpi.analytics.sales import amount

    return amount(value)


def regions(company: Any, period: Any) -> tuple:
    from plugins.kpi.analytics.regions import regions as report

    return tuple(sorted((row.province, row.city, row.orders, row.amount, row.previous_orders, row.previous_amount)
                        for province in report(company, period).provinces for row in province.cities))


def regions_sql(db: Any, company_id: int, currency: str, period: Any) -> tuple:
    from sqlalchemy import text

    query = text(f"""
        SELECT c.province, c.city, count(CASE WHEN o.submitted_at >= :current THEN 1 END),
               sum(CASE WHEN o.submitted_at >= :current THEN o.total END),
               count(CASE WHEN o.submitted_at < :current THEN 1 END),
               sum(CASE WHEN o.submitted_at < :current THEN o.total END)
          FROM "order" o JOIN customer c ON c.id = o.customer_id
         WHERE {_counted()} GROUP BY c.province, c.city""").bindparams(
        *_moments(start=period.previous_start, current=period.start, end=period.end), company=company_id,
        currency=currency)
    return tuple(sorted((province, city, orders, _money(sold), before, _money(sold_before))
                        for province, city, orders, sold, before, sold_before in db.session.execute(query)))


def customers(company: Any, period: Any) -> tuple:
    from plugins.kpi.analytics.rfm import AskedThresholds, rfm

    return tuple((row.segment.value, row.customers, row.orders, row.amount)
                 for row in rfm(company, period, AskedThresholds()).segments)


def customers_sql(db: Any, company_id: int, currency: str, period: Any, found: Any) -> tuple:
    """The customers who ordered in the period, their last order, orders and amount each high or low against
    the thresholds the page shows, counted per segment."""
    from sqlalchemy import text

    from plugins.kpi.analytics.rfm import Segment

    query = text(f"""
        SELECT code, count(*), sum(frequency), sum(monetary) FROM (
          SELECT CASE WHEN max(o.submitted_at) >= :recent THEN 'H' ELSE 'L' END
                 || CASE WHEN count(*) >= :frequency THEN 'H' ELSE 'L' END
                 || CASE WHEN round(sum(o.total), 2) >= :monetary THEN 'H' ELSE 'L' END AS code,
                 count(*) AS frequency, sum(o.total) AS monetary
            FROM "order" o WHERE {_counted()} GROUP BY o.customer_id) AS rfm
         GROUP BY code""").bindparams(
        *_moments(start=period.start, end=period.end, recent=found.recent_since), company=company_id,
        currency=currency, frequency=found.frequency, monetary=found.monetary)
    cells = {code: (int(count), int(orders), _money(sold)) for code, count, orders, sold in db.session.execute(query)}
    return tuple((segment.value, *cells.get(segment.value, (0, 0, _money(None)))) for segment in Segment)


def months(company: Any, period: Any) -> tuple:
    from plugins.kpi.analytics import mix as analytics

    return tuple((row.month, row.orders, row.customers, row.amount) for row in analytics.months(company, period))


def months_sql(db: Any, company_id: int, currency: str, period: Any) -> tuple:
    from sqlalchemy import text

    bounds = period.month_bounds()
    bucket = " ".join(f"WHEN o.submitted_at < :end{index} THEN {index}" for index in range(len(bounds)))
    query = text(f"""
        SELECT CASE {bucket} END AS month, count(*), count(DISTINCT o.customer_id), sum(o.total)
          FROM "order" o WHERE {_counted()} GROUP BY 1""").bindparams(
        *_moments(start=period.start, end=period.end,
                  **{f"end{index}": end for index, (_month, _start, end) in enumerate(bounds)}),
        company=company_id, currency=currency)
    cells = {int(index): (orders, buyers, _money(sold)) for index, orders, buyers, sold in db.session.execute(query)}
    return tuple((month, *cells.get(index, (0, 0, _money(None)))) for index, (month, _s, _e) in enumerate(bounds))


def mix(company: Any, period: Any) -> tuple:
    from plugins.kpi.analytics import mix as analytics

    products = tuple((row.product_id, row.orders, row.quantity, row.amount)
                     for row in analytics.products(company, period))
    return products, tuple((row.channel.value, row.orders, row.amount) for row in analytics.channels(company, period)
                           if row.orders)


def mix_sql(db: Any, company_id: int, currency: str, period: Any) -> tuple:
    """The products (the largest 200 by amount) and the channels in one query."""
    from sqlalchemy import text

    from plugins.kpi.analytics.mix import PRODUCT_LIMIT, _quantity

    query = text(f"""
        SELECT * FROM (
          SELECT 'product' AS kind, CAST(l.product_id AS VARCHAR(24)) AS key, count(DISTINCT o.id) AS orders,
                 sum(l.quantity) AS quantity, sum(l.amount) AS sold
            FROM order_line l JOIN "order" o ON o.id = l.order_id WHERE {_counted()}
           GROUP BY l.product_id ORDER BY sold DESC, l.product_id LIMIT {PRODUCT_LIMIT}) AS products
        UNION ALL
        SELECT 'channel', o.channel, count(*), NULL, sum(o.total) FROM "order" o WHERE {_counted()}
         GROUP BY o.channel""").bindparams(*_moments(start=period.start, end=period.end), company=company_id,
                                           currency=currency)
    rows = db.session.execute(query).all()
    products = tuple((int(key), orders, _quantity(quantity), _money(sold))
                     for kind, key, orders, quantity, sold in rows if kind == "product")
    order = {channel: index for index, channel in enumerate(_channels())}
    channels = sorted(((key, orders, _money(sold)) for kind, key, orders, _q, sold in rows if kind == "channel"),
                      key=lambda row: order[row[0]])
    return products, tuple(channels)


def _channels() -> list[str]:
    from core.models import Channel

    return [channel.value for channel in Channel]


def cycle_times(company_id: int, span: Any) -> tuple:
    from plugins.kpi.cycletimes.services import cycle_times as times

    return tuple(sorted((row.stage, row.department or "", row.count, row.median_seconds, row.p90_seconds,
                         row.average_seconds) for row in times(company_id, span)))


def cycle_times_sql(db: Any, company_id: int, span: Any) -> tuple:
    """Each stage's durations ranked, the middle and the 90th percentile picked, in one query."""
    from sqlalchemy import text

    query = text("""
        WITH facts AS (
          SELECT stage, department, seconds FROM kpi_task
           WHERE company_id = :company AND done_at >= :start AND done_at < :end
          UNION ALL
          SELECT 'lead_time', '', lead_seconds FROM kpi_order
           WHERE company_id = :company AND lead_seconds IS NOT NULL AND delivered_at >= :start
             AND delivered_at < :end),
        ranked AS (
          SELECT stage, department, seconds,
                 row_number() OVER (PARTITION BY stage, department ORDER BY seconds) AS r,
                 count(*) OVER (PARTITION BY stage, department) AS n FROM facts)
        SELECT stage, department, max(n), max(CASE WHEN r = (n + 1) / 2 THEN seconds END),
               max(CASE WHEN r = (9 * n + 9) / 10 THEN seconds END), sum(seconds)
          FROM ranked GROUP BY stage, department""").bindparams(*_moments(start=span.start, end=span.end),
                                                                company=company_id)
    return tuple(sorted((stage, department or "", count, median, p90, round(total / count))
                        for stage, department, count, median, p90, total in db.session.execute(query)))


if __name__ == "__main__":
    main()
