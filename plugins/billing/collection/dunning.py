"""The dunning run: each open overdue invoice climbs the company's dunning levels, one level per run, and
each level's notice goes out once, ever.

As of a moment (the job's now, or ``--as-of``), in the company's time zone:

1. Promises whose date has passed are settled (``promises.settle_due``): kept, or broken and the
   salesperson told. An open promise pauses the dunning of what it covers.
2. The candidates are read in one query: issued invoices still owing, past their due date, not covered
   by an open promise, with the highest level each has reached. An invoice moves to the next level when
   the days past its due date reach that level's days; never two levels in one run.
3. The customers of those invoices are locked (``FOR UPDATE`` on PostgreSQL, as recording a payment
   locks them; SQLite has one writer), and what each invoice owes is read again in the same transaction:
   an invoice paid a minute before is not chased.
4. The notices are inserted ignoring those that exist (unique on invoice and level): of two runs at once,
   the second inserts none and so queues nothing. Each customer's notices of one level go out as one
   email (or letter) in the customer's language with their own invoices attached; a call level gives the
   salesperson a task; a level that holds credit puts the customer on hold.
5. A hold the run placed is lifted once the customer owes nothing overdue.

The same few statements whatever the number of invoices (per customer and level: one email). Nothing here
commits: the job's or the CLI's unit of work does. ``dry_run`` reads what would be sent and writes nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from core import audit, outbox
from core.extensions import db
from core.contracts import DunningLevelReached
from core.jobs import INSERT_IGNORING_DUPLICATES
from core.models import Company, Customer, Order, utcnow
from core.modules import hooks_for_company
from plugins.billing.collection import hold, levels as dunning_levels, promises
from plugins.billing.collection.letters import LETTER
from plugins.billing.collection.models import (
    CreditHold, DunningChannel, DunningNotice, HoldSource, PaymentPromise, PromiseStatus,
)
from plugins.billing.invoices.models import INVOICE_DOCUMENT, Invoice, InvoiceStatus
from plugins.billing.payments.ledger import ZERO, outstanding_on_invoice

EMAIL_TEMPLATE = "billing/collection/dunning_email.txt"


@dataclass(frozen=True)
class Planned:
    """A notice the run sends (or, in a dry run, would send)."""

    invoice_id: int
    invoice_number: str
    order_id: int
    customer_id: int
    level: dunning_levels.Level
    days_overdue: int
    owed: Decimal
    currency: str  # the invoice's: a notice states what it owes in the currency it was invoiced in


@dataclass
class Outcome:
    """What a run did (or would do): the notices, the holds placed and lifted, the promises settled."""

    notices: list[Planned]
    held: list[int]
    lifted: list[int]
    kept: int = 0
    broken: int = 0


def overdue_open() -> list:
    """SQL conditions: the invoice (joined to its order) is issued and still owes something."""
    return [Invoice.status == InvoiceStatus.ISSUED, outstanding_on_invoice() > ZERO]


def paused(today: date):
    """SQL: an open promise dated today or later covers the invoice (itself, or its customer's account)."""
    return select(PaymentPromise.id).where(
        PaymentPromise.status == PromiseStatus.OPEN, PaymentPromise.promised_for >= today,
        or_(PaymentPromise.invoice_id == Invoice.id,
            and_(PaymentPromise.invoice_id.is_(None), PaymentPromise.customer_id == Order.customer_id))
    ).exists()


def _candidates(company: Company, today: date, steps: list[dunning_levels.Level]) -> list[Planned]:
    """The invoices due to climb a level as of ``today``: one query."""
    if not steps:
        return []
    reached = (select(func.max(DunningNotice.level)).where(DunningNotice.invoice_id == Invoice.id)
               .scalar_subquery())
    rows = db.session.execute(
        select(Invoice.id, Invoice.number, Invoice.order_id, Invoice.due_date, Invoice.currency, Order.customer_id,
               func.coalesce(reached, 0).label("reached"), outstanding_on_invoice().label("owed"))
        .join(Order, Order.id == Invoice.order_id)
        .where(Invoice.company_id == company.id,
               Invoice.due_date <= today - timedelta(days=steps[0].days), *overdue_open(), ~paused(today))
        .order_by(Order.customer_id, Invoice.due_date, Invoice.id))
    by_number = {step.level: step for step in steps}
    planned = []
    for row in rows:
        step = by_number.get(row.reached + 1)
        days = (today - row.due_date).days
        if step is not None and days >= step.days:
            planned.append(Planned(row.id, row.number, row.order_id, row.customer_id, step, days, row.owed,
                                   row.currency))
    return planned


def _lock_customers(customer_ids: set[int]) -> None:
    """Queue behind payments being recorded for these customers (and behind another run), in id order."""
    db.session.execute(select(Customer.id).where(Customer.id.in_(sorted(customer_ids)))
                       .order_by(Customer.id).with_for_update())


def _owed_now(invoice_ids: list[int]) -> dict[int, Decimal]:
    """What each invoice still owes, read again after the lock: one query."""
    rows = db.session.execute(
        select(Invoice.id, outstanding_on_invoice()).join(Order, Order.id == Invoice.order_id)
        .where(Invoice.id.in_(invoice_ids), *overdue_open()))
    return {invoice_id: owed for invoice_id, owed in rows}


def _insert_notices(company: Company, planned: list[Planned], as_of: datetime,
                    recipients: dict[int, str | None]) -> set[int]:
    """Insert the notices, ignoring any that exist; the invoices whose notice this run inserted."""
    connection = db.session.connection()
    insert_ = INSERT_IGNORING_DUPLICATES[connection.dialect.name]
    rows = [{"company_id": company.id, "customer_id": plan.customer_id, "invoice_id": plan.invoice_id,
             "level": plan.level.level, "channel": plan.level.channel, "days_overdue": plan.days_overdue,
             "owed": plan.owed, "currency": plan.currency, "sent_at": as_of,
             "recipient": None if plan.level.channel == DunningChannel.CALL else recipients.get(plan.customer_id)}
            for plan in planned]
    inserted = connection.execute(
        insert_(DunningNotice).values(rows).on_conflict_do_nothing(index_elements=["invoice_id", "level"])
        .returning(DunningNotice.invoice_id))
    return set(inserted.scalars())


def _send(company: Company, customer: Customer, notices: list[Planned], orders: dict[int, Order]) -> None:
    """One email of one level to the customer, listing and attaching their own invoices only; a letter
    attaches the formal letter of each invoice too."""
    recipient = outbox.to_customer(customer)
    step = notices[0].level
    if recipient is None or step.channel == DunningChannel.CALL:
        return
    attachments = []
    for notice in notices:
        order = orders[notice.order_id]
        if order.customer_id != customer.id:  # never another customer's document, whatever went before
            raise AssertionError("a dunning notice names another customer's invoice")
        attachments.append(outbox.DocumentRef(order, INVOICE_DOCUMENT, f"{notice.invoice_number}.pdf"))
        if step.channel == DunningChannel.LETTER:
            attachments.append(outbox.DocumentRef(order, LETTER, f"{notice.invoice_number}-letter.pdf"))
    outbox.send_email(EMAIL_TEMPLATE, recipient, company_id=company.id, kind=f"dunning_{step.tone.value}",
                      attachments=attachments, customer=customer, company=company, tone=step.tone.value,
                      notices=notices, totals=_totals(notices))


def _totals(notices: list[Planned]) -> list[tuple[str, Decimal]]:
    """What the notices owe in all, per currency (in code order), never summed across currencies."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for notice in notices:
        totals[notice.currency] += notice.owed
    return sorted(totals.items())


def _place_holds(customers: dict[int, Customer], reached: list[Planned], at: datetime) -> list[int]:
    """Hold the credit of the customers whose invoices reached a level that holds it; the hold's reason names
    those invoices."""
    by_customer: dict[int, list[str]] = defaultdict(list)
    for plan in reached:
        by_customer[plan.customer_id].append(plan.invoice_number)
    placed = []
    for customer_id, numbers in sorted(by_customer.items()):
        if hold.active_hold(customer_id) is None:
            hold.place(customers[customer_id], source=HoldSource.DUNNING, at=at, actor=None,
                       reason=", ".join(numbers))
            placed.append(customer_id)
    return placed


def _lift_holds(company: Company, today: date, at: datetime) -> list[int]:
    """Lift the run's holds of customers who owe nothing overdue now: one query, and one update each."""
    overdue = (select(Invoice.id).join(Order, Order.id == Invoice.order_id)
               .where(Order.customer_id == CreditHold.customer_id, Invoice.due_date < today, *overdue_open())
               .exists())
    lifted = list(db.session.execute(
        select(CreditHold).where(CreditHold.company_id == company.id, CreditHold.released_at.is_(None),
                                 CreditHold.source == HoldSource.DUNNING, ~overdue)).scalars())
    for row in lifted:
        hold.lift(row, at)
    return [row.customer_id for row in lifted]


def run_dunning(company: Company, as_of: datetime | None = None, *, dry_run: bool = False) -> Outcome:
    """Dun the company's overdue invoices as of ``as_of``; with ``dry_run``, only say what would be sent."""
    as_of = as_of or utcnow()
    today = as_of.astimezone(company.zone).date()
    steps = dunning_levels.company_levels(company.id)
    kept = broken = 0
    if not dry_run:
        kept, broken = promises.settle_due(company, today, as_of)
    planned = _candidates(company, today, steps)
    if dry_run:
        return Outcome(planned, sorted({p.customer_id for p in planned if p.level.holds_credit}), [])
    lifted = _lift_holds(company, today, as_of)
    if not planned:
        return Outcome([], [], lifted, kept, broken)
    _lock_customers({plan.customer_id for plan in planned})
    owed = _owed_now([plan.invoice_id for plan in planned])
    # Paid (in full) since the candidates were read, by a payment that waited for or beat our lock.
    planned = [replace(p, owed=owed[p.invoice_id]) for p in planned if owed.get(p.invoice_id, ZERO) > ZERO]
    if not planned:
        return Outcome([], [], lifted, kept, broken)
    customers = {customer.id: customer for customer in db.session.execute(
        select(Customer).where(Customer.id.in_({plan.customer_id for plan in planned}))).scalars()}
    recipients = {customer_id: (customer.email or "").strip() or None for customer_id, customer in customers.items()}
    inserted = _insert_notices(company, planned, as_of, recipients)
    sent = [plan for plan in planned if plan.invoice_id in inserted]
    if not sent:
        return Outcome([], [], lifted, kept, broken)
    orders = {order.id: order for order in db.session.execute(
        select(Order).where(Order.id.in_({plan.order_id for plan in sent}))).unique().scalars()}
    grouped: dict[tuple[int, int], list[Planned]] = defaultdict(list)
    for plan in sent:
        grouped[(plan.customer_id, plan.level.level)].append(plan)
    for (customer_id, _level), notices in sorted(grouped.items()):
        _send(company, customers[customer_id], notices, orders)
    reached = {plan.invoice_id: DunningLevelReached(
        customer_id=plan.customer_id, order_id=plan.order_id, invoice_number=plan.invoice_number,
        level=plan.level.level, channel=plan.level.channel.value, days_overdue=plan.days_overdue, owed=plan.owed,
        currency=plan.currency, sent_at=as_of) for plan in sent}
    audit.record_many([audit.values(
        company_id=company.id, entity="invoice", entity_id=plan.invoice_id, order_id=plan.order_id,
        action="dunning_notice_sent", actor=None,
        after={"level": plan.level.level, "channel": plan.level.channel.value, "days_overdue": plan.days_overdue,
               "owed": str(plan.owed), DunningLevelReached.hook: reached[plan.invoice_id].as_record()})
        for plan in sent])
    held = _place_holds(customers, [plan for plan in sent if plan.level.holds_credit], as_of)
    # The customer's, not an order's: the plugins switched on for the company hear of it, once for the run.
    hooks_for_company(company.id).dunning_level_reached(company=company, notices=tuple(reached.values()))
    return Outcome(sent, held, lifted, kept, broken)


def run(company: Company, now: datetime) -> str | None:
    """The ``billing.dunning`` job's work for one company: what it sent."""
    outcome = run_dunning(company, now)
    if not (outcome.notices or outcome.held or outcome.lifted or outcome.broken):
        return None
    return _("%(notices)s dunning notices, %(held)s holds placed, %(lifted)s lifted, %(broken)s promises broken",
             notices=len(outcome.notices), held=len(outcome.held), lifted=len(outcome.lifted),
             broken=outcome.broken)
