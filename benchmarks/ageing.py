#!/usr/bin/env python3
"""The ageing report at a million invoices: the service against hand-written SQL computing the same numbers.

Generates N invoices (default 1,000,000) of 2,000 customers and 20 salespeople, each of its own order, due
over the four years before today, paid as customers pay: nearly all of the past years' invoices in full
(about 1.5 % of those over a year past due still owe), fewer the more recent they are, some in part, a few
by a payment later reversed (and most of those paid again a week later). The source tables (orders,
invoices, payments, allocations) and the open items they make (with the day each invoice was settled) are
bulk-inserted with SQLAlchemy Core, as the services would have posted them. Then, alternating in the same
run, it times:

- ``service``: ``receivables.ageing.ageing`` as the API and the page call it (by customer, in days, as of
  today), the ORM's statements and the Python that assembles the report;
- ``sql``: the reference, one hand-written query over the invoices, allocations and payments themselves (not
  the open items): the invoices issued by the day's end that were not paid by then (``status``, ``paid_at``),
  less their allocations received by then and not reversed by then;
- ``items``: one hand-written query over the open items, as the service reads them (the floor of the same
  computation);
- ``naive``: the invoices, allocations and payments summed for every invoice ever issued (what a report
  that cannot tell paid invoices apart would run), for reference.

It checks all four give the same figures per customer and bucket, prints each round and the medians, and
the ratio service / sql (goal, issue 20: under 1 s on PostgreSQL and within 2x of the hand-written SQL).

    .venv/bin/python benchmarks/ageing.py                                    # SQLite, in a temp dir
    .venv/bin/python benchmarks/ageing.py --database-url postgresql://postgres@127.0.0.1:5432/ordo_bench
    .venv/bin/python benchmarks/ageing.py --invoices 100000 --rounds 5 --reuse   # keep and reuse the data
    # the same million invoices on PostgreSQL, copied (COPY) from the SQLite file a first run made:
    .venv/bin/python benchmarks/ageing.py --database-url postgresql://... \\
        --copy-from /tmp/ordo-bench-ageing/ageing-1000000.sqlite
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time as clock, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench_db  # noqa: E402

CUSTOMERS = 2_000
SALESPEOPLE = 20
CHUNK = 20_000
CENT = Decimal("0.01")
NAMES = ("service", "sql", "items", "naive")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20)
    bench_db.add_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from sqlalchemy import func, select

    from core.extensions import db
    from core.models import User
    from plugins.billing.receivables.models import OpenItemEntry
    from plugins.billing.invoices.models import Invoice

    app, url = bench_db.open_app("ageing", args.invoices, args.database_url)
    with app.app_context():
        bench_db.prepare(url, counted=Invoice, size=args.invoices, reuse=args.reuse, copy_from=args.copy_from,
                         generate=lambda: generate(app, args.invoices, args.seed), what="invoices")
        entries = db.session.execute(select(func.count()).select_from(OpenItemEntry)).scalar_one()
        finance_id = db.session.execute(select(User.id).where(User.username == "bench-finance")
                                        .order_by(User.id).limit(1)).scalar_one()
        db.session.remove()
    print(f"{args.invoices:,} invoices, {entries:,} open items", flush=True)
    run(app, finance_id, args.rounds)


def run(app: Any, finance_id: int, rounds: int) -> None:
    from core.extensions import db
    from core.models import User
    from plugins.billing.receivables.ageing import AgeingQuery, GroupBy, View, ageing

    times: dict[str, list[float]] = defaultdict(list)
    results: dict[str, dict[tuple[int, int], tuple[int, Decimal]]] = {}
    for round_ in range(rounds + 1):  # the first round warms the caches and is not counted
        for name in NAMES:
            with app.app_context(), app.test_request_context():
                user = db.session.get_one(User, finance_id)
                as_of = user.company.today()
                started = time.perf_counter()
                if name == "service":
                    report = ageing(user, AgeingQuery(as_of, GroupBy.CUSTOMER, View.DAYS))
                    figures = {(row.key, index): (row.counts[index], row.amounts[index]) for row in report.rows
                               for index in range(len(report.buckets)) if row.counts[index]}
                else:
                    figures = hand_written(db, user.company_id, as_of, user.company.zone, name)
                elapsed = time.perf_counter() - started
                db.session.remove()
            if round_:
                times[name].append(elapsed)
            results[name] = figures
            print(f"round {round_}{' (warm-up)' if not round_ else ''}: {name:<8} {elapsed * 1000:9.1f} ms",
                  flush=True)
    for name in NAMES[1:]:
        if results[name] != results["service"]:
            differ = sorted(set(results[name].items()) ^ set(results["service"].items()))[:5]
            raise SystemExit(f"the {name} query's figures differ from the service's: {differ}")
    total = sum(amount for _count, amount in results["service"].values())
    print(f"same figures from all four: {len(results['service'])} cells, {total:,} open in all, "
          f"{sum(count for count, _amount in results['service'].values()):,} open invoices")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"median {name:<8} {median * 1000:9.1f} ms")
    print(f"service / sql: {medians['service'] / medians['sql']:.2f}   "
          f"service / items: {medians['service'] / medians['items']:.2f}   "
          f"service / naive: {medians['service'] / medians['naive']:.2f}")


def bounds(as_of: date) -> list[date]:
    """The due-date bounds of the day buckets, as the service compares them."""
    return [as_of - timedelta(days=days) for days in (0, 30, 60, 90, 180)]


def bucket_sql(column: str) -> str:
    return (f"CASE WHEN {column} >= :b0 THEN 0 WHEN {column} >= :b1 THEN 1 WHEN {column} >= :b2 THEN 2 "
            f"WHEN {column} >= :b3 THEN 3 WHEN {column} >= :b4 THEN 4 ELSE 5 END")


def hand_written(db: Any, company_id: int, as_of: date, zone: Any,
                 which: str) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """The figures per (customer, bucket) from one SQL query through the DBAPI cursor."""
    from sqlalchemy import text

    params: dict[str, Any] = {f"b{index}": bound for index, bound in enumerate(bounds(as_of))}
    params.update(company=company_id, as_of=as_of)
    params["day_end"] = datetime.combine(as_of + timedelta(days=1), clock(), zone).astimezone(timezone.utc)
    # What an invoice has been paid by the day's end: its allocations received by then, not reversed by then.
    paid = """(SELECT sum(a.amount) FROM billing_payment_allocation a JOIN billing_payment p ON p.id = a.payment_id
               WHERE a.invoice_id = i.id AND p.received_at < :day_end
                 AND (a.reversed_at IS NULL OR a.reversed_at >= :day_end))"""
    if which == "sql":  # the source tables: only the invoices not paid (in full, for good) by the day's end
        query = f"""
            SELECT customer_id, {bucket_sql('due_date')} AS bucket, count(*), sum(owed)
            FROM (SELECT o.customer_id, i.due_date, i.total - coalesce({paid}, 0) AS owed
                  FROM billing_invoice i JOIN "order" o ON o.id = i.order_id
                  WHERE i.company_id = :company AND i.issued_at < :day_end
                    AND (i.status = 'issued' OR (i.status = 'paid' AND i.paid_at >= :day_end))) AS open_invoice
            WHERE owed > 0.005
            GROUP BY customer_id, bucket"""
    elif which == "items":  # the open items of the invoices not settled by the day
        query = f"""
            SELECT customer_id, {bucket_sql('due_date')} AS bucket, count(*), sum(owed)
            FROM (SELECT invoice_id, customer_id, due_date, sum(amount) AS owed FROM billing_open_item
                  WHERE company_id = :company AND posted_on <= :as_of AND settled_on IS NULL
                  GROUP BY invoice_id, customer_id, salesperson_id, currency, due_date
                  HAVING sum(amount) > 0.005
                  UNION ALL
                  SELECT invoice_id, customer_id, due_date, sum(amount) AS owed FROM billing_open_item
                  WHERE company_id = :company AND posted_on <= :as_of
                    AND settled_on > :as_of AND settled_on <= '9999-12-31'
                  GROUP BY invoice_id, customer_id, salesperson_id, currency, due_date
                  HAVING sum(amount) > 0.005) AS open_invoice
            GROUP BY customer_id, bucket"""
    else:  # every invoice ever issued, its total less its allocations by the day's end
        query = f"""
            SELECT customer_id, {bucket_sql('due_date')} AS bucket, count(*), sum(owed)
            FROM (SELECT o.customer_id, i.due_date, i.total - coalesce(paid.amount, 0) AS owed
                  FROM billing_invoice i JOIN "order" o ON o.id = i.order_id
                  LEFT JOIN (SELECT a.invoice_id, sum(a.amount) AS amount FROM billing_payment_allocation a
                             JOIN billing_payment p ON p.id = a.payment_id
                             WHERE a.company_id = :company AND p.received_at < :day_end
                               AND (a.reversed_at IS NULL OR a.reversed_at >= :day_end)
                             GROUP BY a.invoice_id) AS paid ON paid.invoice_id = i.id
                  WHERE i.company_id = :company AND i.issued_at < :day_end
                    AND i.status IN ('issued', 'paid')) AS open_invoice
            WHERE owed > 0.005
            GROUP BY customer_id, bucket"""
    rows = db.session.execute(text(query), params)
    return {(customer, bucket): (count, Decimal(str(amount)).quantize(CENT)) for customer, bucket, count, amount
            in rows}


def generate(app: Any, count: int, seed: int) -> None:
    """The company, its customers and salespeople, and ``count`` invoices with their payments and open items."""
    from sqlalchemy import insert, select

    from core.db import commit
    from core.extensions import db
    from core.models import Customer, Order, OrderStatus, User
    from plugins.billing.receivables.models import EntryKind, OpenItemEntry
    from plugins.billing.invoices.models import Invoice, InvoiceStatus
    from plugins.billing.payments.models import BillingPayment, PaymentAllocation, PaymentMethod
    from tests import factories, orders

    rng = random.Random(seed)
    db.drop_all()
    db.create_all()
    world = factories.build_world(app, "BENCH")
    [template_id] = orders.bulk(world, 1, status=OrderStatus.DELIVERED)
    commit()
    zone = world.company.zone
    today = world.company.today()
    company_id = world.company.id

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
    order_template = template_of(Order.__table__, template_id)
    finance_id = world.users["finance"].id
    commit()

    def local_noon(day: date) -> datetime:
        return datetime.combine(day, clock(12), zone).astimezone(timezone.utc)

    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        plans = [plan(n, rng, today, customers, people) for n in range(start, start + size)]
        order_ids = copies(Order.__table__, order_template, [{
            "number": f"BO{p.n:08d}", "customer_id": p.customer, "created_by_id": p.person, "total": p.total,
            "subtotal": p.total, "tax_total": Decimal("0.00")} for p in plans])
        invoice_ids = list(db.session.execute(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), [{
            "company_id": company_id, "order_id": order_id, "number": f"BI{p.n:08d}", "currency": "CNY",
            "subtotal": p.total, "tax_total": Decimal("0.00"), "total": p.total, "issued_at": local_noon(p.issued),
            "due_date": p.due, "status": InvoiceStatus.PAID if p.settled_on else InvoiceStatus.ISSUED,
            "paid_at": local_noon(p.settled_on) if p.settled_on else None, "buyer": {}}
            for order_id, p in zip(order_ids, plans, strict=True)]).scalars())
        paying = [(order_id, invoice_id, p, payment) for order_id, invoice_id, p in zip(order_ids, invoice_ids, plans,
                                                                                         strict=True)
                  for payment in p.payments]
        payment_ids = list(db.session.execute(
            insert(BillingPayment).returning(BillingPayment.id, sort_by_parameter_order=True), [{
                "company_id": company_id, "customer_id": p.customer, "order_id": order_id, "invoice_id": invoice_id,
                "currency": "CNY", "amount": amount, "received_at": local_noon(paid_on),
                "method": PaymentMethod.BANK_TRANSFER, "reference": f"BP{p.n:08d}", "is_prepayment": False,
                "recorded_by_id": finance_id, "created_at": local_noon(paid_on),
                "reversed_at": local_noon(reversed_on) if reversed_on else None,
                "reversed_by_id": finance_id if reversed_on else None,
                "reversal_reason": "重复录入" if reversed_on else None}
                for order_id, invoice_id, p, (amount, paid_on, reversed_on) in paying]).scalars()) if paying else []
        if paying:
            db.session.execute(insert(PaymentAllocation), [{
                "company_id": company_id, "payment_id": payment_id, "order_id": order_id, "invoice_id": invoice_id,
                "amount": amount, "created_at": local_noon(paid_on),
                "reversed_at": local_noon(reversed_on) if reversed_on else None}
                for payment_id, (order_id, invoice_id, _p, (amount, paid_on, reversed_on))
                in zip(payment_ids, paying, strict=True)])
        entries = []
        for order_id, invoice_id, p in zip(order_ids, invoice_ids, plans, strict=True):
            common = {"company_id": company_id, "customer_id": p.customer, "salesperson_id": p.person,
                      "order_id": order_id, "invoice_id": invoice_id, "currency": "CNY", "due_date": p.due,
                      "settled_on": p.settled_on}
            entries.append({**common, "posted_on": p.issued, "kind": EntryKind.ISSUED, "amount": p.total})
            for amount, paid_on, reversed_on in p.payments:
                entries.append({**common, "posted_on": paid_on, "kind": EntryKind.PAYMENT, "amount": -amount})
                if reversed_on:
                    entries.append({**common, "posted_on": reversed_on, "kind": EntryKind.REVERSAL, "amount": amount})
        db.session.execute(insert(OpenItemEntry), entries)
        db.session.commit()
        print(f"  {start + size:>9,} invoices", end="\r", flush=True)
    print()


# The share of invoices paid in full, by how many days past due they are today: customers pay, late or not.
PAID_IN_FULL = ((365, 0.985), (180, 0.95), (90, 0.88), (30, 0.75), (0, 0.5))
NOT_YET_DUE_PAID = 0.25


@dataclass
class Plan:
    """One invoice to generate: its customer, salesperson, dates, total and payments."""

    n: int
    customer: int
    person: int
    due: date
    issued: date
    total: Decimal
    payments: list[tuple[Decimal, date, date | None]] = field(default_factory=list)  # amount, paid on, reversed on
    settled_on: date | None = None  # the day of its last open item, if it owes nothing


def plan(n: int, rng: random.Random, today: date, customers: list[int], people: list[int]) -> Plan:
    """An invoice due in the four years before today (or the coming month), paid as its age makes likely."""
    due = today - timedelta(days=rng.randint(-30, 4 * 365))
    issued = due - timedelta(days=30)
    invoice = Plan(n, rng.choice(customers), rng.choice(people), due, issued,
                   Decimal(rng.randint(10_000, 1_000_000)) / 100)
    age = (today - due).days
    in_full = next((share for days, share in PAID_IN_FULL if age > days), NOT_YET_DUE_PAID)
    roll = rng.random()
    if roll < in_full:
        amount = invoice.total
    elif roll < in_full + (1 - in_full) / 2:
        amount = (invoice.total * Decimal(rng.randint(10, 90)) / 100).quantize(CENT)
    else:
        return invoice
    paid_on = max(issued, min(today, due + timedelta(days=rng.randint(-20, 45))))
    reversed_on = min(today, paid_on + timedelta(days=3)) if rng.random() < 0.02 else None
    invoice.payments.append((amount, paid_on, reversed_on))
    if reversed_on and rng.random() < 0.8 and reversed_on + timedelta(days=7) <= today:
        invoice.payments.append((amount, reversed_on + timedelta(days=7), None))
    live = sum((amount for amount, _on, reversed_ in invoice.payments if reversed_ is None), Decimal("0.00"))
    if live == invoice.total:
        days = [issued] + [day for _amount, paid, reversed_ in invoice.payments for day in (paid, reversed_) if day]
        invoice.settled_on = max(days)
    return invoice


if __name__ == "__main__":
    main()
