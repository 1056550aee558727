#!/usr/bin/env python3
"""The KPI dashboard's indicators and a person's scorecard at a million orders: the services against one
hand-written SQL query computing the same numbers, in the same run.

Generates N orders (default 1,000,000) of 2,000 customers and 20 salespeople over the year before today,
each with the facts its events would have recorded: an intake task, three review steps (sales, finance,
production; some late, some decided by rules), a delivered order (some corrected, some with a refused or
reserved line, most rated), the total falling due and, for most, a payment (a few reversed). Everything is
bulk-inserted with SQLAlchemy Core. Then, alternating, it times:

- ``dashboard``: the four indicators for the company over the last twelve months (the indicators page's
  cards and ``GET /api/v1/kpi``'s company figures), against one hand-written query with a scalar subquery
  per indicator;
- ``scorecard``: a salesperson's scorecard for the last full month (four lines, each over three months, and
  the targets and flags), against one hand-written query grouping the same facts by month.

It checks both give the same numbers and prints the medians and the ratios service / sql (goal, issue 21:
under 1 s on PostgreSQL and within 2x of the hand-written SQL).

    .venv/bin/python benchmarks/kpi.py --orders 100000                       # SQLite, in a temp dir
    .venv/bin/python benchmarks/kpi.py --orders 100000 --database-url postgresql://postgres@127.0.0.1/kpi_bench
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CUSTOMERS = 2_000
SALESPEOPLE = 20
CHUNK = 20_000
HOUR = timedelta(hours=1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of each, alternating")
    parser.add_argument("--database-url", default=os.environ.get("ORDO_BENCH_DATABASE_URL"),
                        help="default: a SQLite file in a temp dir (or ORDO_BENCH_DATABASE_URL)")
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run of the same size")
    parser.add_argument("--seed", type=int, default=21)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from sqlalchemy import func, select, text

    from core.app import create_app
    from core.extensions import db
    from core.models import User
    from plugins.kpi.facts.models import KpiOrder

    workdir = Path(tempfile.gettempdir()) / "ordo-bench-kpi"
    workdir.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir}/kpi-{args.orders}.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     instance_path=str(workdir))
    with app.app_context():
        made = False
        if args.reuse:
            try:
                made = db.session.execute(select(func.count()).select_from(KpiOrder)).scalar_one() == args.orders
            except Exception:  # noqa: BLE001 - no tables yet
                db.session.rollback()
        if not made:
            started = time.perf_counter()
            generate(app, args.orders, args.seed)
            print(f"generated {args.orders:,} orders' facts in {time.perf_counter() - started:.0f} s "
                  f"({url.split(':', 1)[0]})", flush=True)
        person = db.session.execute(select(User.id).where(User.username == "bench-sales-0")
                                    .order_by(User.id).limit(1)).scalar_one()
        manager = db.session.execute(select(User.id).where(User.username.like("%-manager"))
                                     .order_by(User.id).limit(1)).scalar_one()
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    run(app, manager, person, args.rounds)


def generate(app: Any, count: int, seed: int) -> None:
    """The company, its customers and salespeople, and ``count`` delivered orders with their facts."""
    from sqlalchemy import insert, select

    from core.db import commit
    from core.extensions import db
    from core.models import Customer, Order, OrderStatus, User
    from plugins.kpi.facts.models import KpiMoney, KpiOrder, KpiTask, MoneyKind, TaskStage
    from tests import factories, orders

    rng = random.Random(seed)
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

    customers = copies(Customer.__table__, template_of(Customer.__table__, world.customers[0].id),
                       [{"code": f"B{n:05d}", "name": f"客户 {n:05d}"} for n in range(CUSTOMERS)])
    people = copies(User.__table__, template_of(User.__table__, world.users["sales"].id),
                    [{"username": f"bench-sales-{n}", "name": f"销售 {n:02d}", "email": f"s{n}@bench.example"}
                     for n in range(SALESPEOPLE)])
    deciders = [world.users[role].id for role in ("sales", "finance", "production")]
    order_template = template_of(Order.__table__, template_id)
    commit()
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        plans = []
        for n in range(start, start + size):
            received = now - timedelta(seconds=rng.randint(3 * 86400, 365 * 86400))
            total = Decimal(rng.randint(10_000, 1_000_000)) / 100
            plans.append((n, rng.choice(customers), rng.choice(people), received, total))
        order_ids = copies(Order.__table__, order_template, [{
            "number": f"BO{n:08d}", "customer_id": customer, "created_by_id": person, "total": total,
            "subtotal": total, "tax_total": Decimal("0.00"), "received_at": received}
            for n, customer, person, received, total in plans])
        tasks, delivered, money = [], [], []
        for order_id, (_n, customer, person, received, total) in zip(order_ids, plans, strict=True):
            submitted = received + timedelta(minutes=rng.randint(5, 36 * 60))
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
        db.session.execute(insert(KpiTask), tasks)
        db.session.execute(insert(KpiOrder), delivered)
        db.session.execute(insert(KpiMoney), money)
        commit()
        print(f"  {start + size:,} orders", flush=True)


def run(app: Any, manager_id: int, person_id: int, rounds: int) -> None:
    from core.extensions import db
    from core.models import User
    from plugins.kpi.indicators import services as indicators
    from plugins.kpi.scorecards import services as scorecards
    from plugins.kpi.scorecards.models import PeriodKind

    times: dict[str, list[float]] = defaultdict(list)
    results: dict[str, Any] = {}
    for round_ in range(rounds + 1):  # the first round warms the caches and is not counted
        for name in ("dashboard", "dashboard sql", "scorecard", "scorecard sql"):
            with app.app_context(), app.test_request_context():
                user = db.session.get_one(User, manager_id)
                today = user.company.today()
                year = indicators.period_of(user.company_id, today - timedelta(days=364), today)
                month = scorecards.ScorePeriod(PeriodKind.MONTH, today.replace(day=1)).shifted(-1)
                started = time.perf_counter()
                if name == "dashboard":
                    figures = dashboard(user.company_id, year)
                elif name == "dashboard sql":
                    figures = dashboard_sql(db, user.company_id, year)
                elif name == "scorecard":
                    figures = scorecard(user.company_id, person_id, month)
                else:
                    figures = scorecard_sql(db, user.company_id, person_id, month)
                elapsed = time.perf_counter() - started
                db.session.remove()
            if round_:
                times[name].append(elapsed)
            results[name] = figures
            print(f"round {round_}{' (warm-up)' if not round_ else ''}: {name:<14} {elapsed * 1000:9.1f} ms",
                  flush=True)
    for name in ("dashboard", "scorecard"):
        if results[name] != results[f"{name} sql"]:
            raise SystemExit(f"{name}: the service's numbers {results[name]} differ from the SQL's "
                             f"{results[name + ' sql']}")
    print(f"same numbers: dashboard {results['dashboard']}")
    print(f"              scorecard {results['scorecard']}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"median {name:<14} {median * 1000:9.1f} ms")
    for name in ("dashboard", "scorecard"):
        print(f"{name} / sql: {medians[name] / medians[name + ' sql']:.2f}")


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
    return tuple((line.indicator.value, tuple(value for _period, value in line.trend)) for line in card.lines)


def scorecard_sql(db: Any, company_id: int, person_id: int, month: Any) -> tuple:
    """The four lines over three months in one query: each fact table's rows of the person in the three
    months, grouped by month."""
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
          GROUP BY 2""").bindparams(
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

    return (("timeliness", line("timeliness")), ("accuracy", line("orders")), ("satisfaction", line("rating", "0.01")),
            ("collection", line("money")))


if __name__ == "__main__":
    main()
