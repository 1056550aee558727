"""The statement run: on each customer's statement day, one statement per customer with activity or a balance.

A statement's period ends when its statement day ends (in the company's time
zone) and starts where the customer's previous statement ended (a customer's
first statement: at the start of the day of their first entry); its opening
balance is that statement's closing balance, copied. Where the company invoices
monthly orders in the monthly statement (``invoicing``), the run first issues
the invoices of the period's monthly deliveries, dated on the statement day. Its lines are the
customer's ledger entries dated before the period's end that no statement
lists yet: deliveries (the orders signed for, from core's ``Order``; listed,
moving nothing, as the invoice carries the amount), invoices (+), credit notes
(−), payments (−) and their reversals (+), and the cancellation (−) of an invoice an earlier statement
listed. Whatever is recorded after a statement was made, even dated in its
period, goes to the next one: a statement, once made, never changes.

The run is idempotent: a customer's statement for a statement date is made
once (``billing_statement`` is unique on customer and date, and an entry on
one statement at most). Two runs at once for one company queue on the
company's statement setting row (``FOR UPDATE`` on PostgreSQL; SQLite has one
writer), so the second finds the statements made and makes none, sending no
second email. The same few statements whatever the number of customers and
lines. Nothing here commits: the job's or the CLI's unit of work does.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Table, and_, exists, func, insert, select

from core import audit, outbox
from core.extensions import db
from core.jobs import INSERT_IGNORING_DUPLICATES
from core.models import AuditEntry, Company, Customer, Order, utcnow
from core.orders import money
from plugins.billing.invoices.models import CreditNote, Invoice, InvoiceStatus
from plugins.billing.payments.models import BillingPayment
from plugins.billing.statements import documents, invoicing
from plugins.billing.statements.models import (
    LAST_DAY, CustomerStatementDay, LineKind, Statement, StatementLine, StatementSetting, StatementStatus,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Entry:
    """A ledger entry of one customer, as a statement line lists it."""

    customer_id: int
    kind: LineKind
    source_id: int
    order_id: int | None
    order_number: str | None
    reference: str | None
    at: datetime
    amount: Decimal
    effect: Decimal


# --- the statement day -------------------------------------------------------------------


def day_in_month(year: int, month: int, day: int) -> date:
    """The statement day ``day`` in a month: its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def latest_statement_date(day: int, today: date) -> date:
    """The last statement date (of statement day ``day``) that has ended by ``today``: before today."""
    yesterday = today - timedelta(days=1)
    found = day_in_month(yesterday.year, yesterday.month, day)
    if found > yesterday:
        last_month = yesterday.replace(day=1) - timedelta(days=1)
        found = day_in_month(last_month.year, last_month.month, day)
    return found


def period_end(statement_date: date, zone: ZoneInfo) -> datetime:
    """The moment a statement date's period ends: the start of the next day, in the company's zone."""
    return datetime.combine(statement_date + timedelta(days=1), time(0), tzinfo=zone)


def company_day(company_id: int) -> int:
    setting = db.session.get(StatementSetting, company_id)
    return setting.statement_day if setting is not None else LAST_DAY


def _lock(company_id: int) -> int:
    """Queue behind any other run for the company (on its setting row); the company's statement day."""
    connection = db.session.connection()
    insert_ = INSERT_IGNORING_DUPLICATES[connection.dialect.name]
    connection.execute(insert_(StatementSetting).values(company_id=company_id, statement_day=LAST_DAY)
                       .on_conflict_do_nothing(index_elements=["company_id"]))
    return db.session.execute(select(StatementSetting.statement_day)
                              .where(StatementSetting.company_id == company_id).with_for_update()).scalar_one()


# --- the ledger entries no statement lists yet ------------------------------------------------


def _unlisted(company_id: int, kind: LineKind, source: Any) -> Any:
    """SQL: no statement lists the entry (the line's unique key, company first, answers it)."""
    return ~exists().where(StatementLine.company_id == company_id, StatementLine.kind == kind,
                           StatementLine.source_id == source)


def unlisted_entries(company: Company, before: datetime) -> list[Entry]:
    """Every ledger entry of the company's customers dated before ``before`` that no statement lists:
    six queries, whatever their number."""
    company_id, currency = company.id, company.currency
    entries = [
        Entry(row.customer_id, LineKind.DELIVERY, row.id, row.id, row.number, None, row.delivered_at,
              money(row.total), ZERO)
        for row in db.session.execute(
            select(Order.id, Order.customer_id, Order.number, Order.delivered_at, Order.total)
            .where(Order.company_id == company_id, Order.currency == currency, Order.delivered_at.is_not(None),
                   Order.delivered_at < before, _unlisted(company_id, LineKind.DELIVERY, Order.id)))
    ]
    invoiced = (select(Invoice.id, Order.customer_id, Order.id.label("order_id"), Order.number.label("order_number"),
                       Invoice.number, Invoice.issued_at, Invoice.total)
                .join(Order, Order.id == Invoice.order_id)
                .where(Invoice.company_id == company_id, Invoice.currency == currency))
    entries += [
        Entry(row.customer_id, LineKind.INVOICE, row.id, row.order_id, row.order_number, row.number, row.issued_at,
              money(row.total), money(row.total))
        for row in db.session.execute(invoiced.where(Invoice.status != InvoiceStatus.CANCELLED,
                                                     Invoice.issued_at < before,
                                                     _unlisted(company_id, LineKind.INVOICE, Invoice.id)))
    ]
    cancelled_at = (select(func.max(AuditEntry.at))
                    .where(AuditEntry.entity == "invoice", AuditEntry.entity_id == Invoice.id,
                           AuditEntry.action == "invoice_cancelled").scalar_subquery())
    entries += [
        Entry(row.customer_id, LineKind.INVOICE_CANCELLED, row.id, row.order_id, row.order_number, row.number,
              row.cancelled_at, money(row.total), -money(row.total))
        for row in db.session.execute(
            invoiced.add_columns(cancelled_at.label("cancelled_at"))
            .where(Invoice.status == InvoiceStatus.CANCELLED, cancelled_at < before,
                   ~_unlisted(company_id, LineKind.INVOICE, Invoice.id),
                   _unlisted(company_id, LineKind.INVOICE_CANCELLED, Invoice.id)))
    ]
    entries += [
        Entry(row.customer_id, LineKind.CREDIT_NOTE, row.id, row.order_id, row.order_number, row.number,
              row.issued_at, money(row.total), -money(row.total))
        for row in db.session.execute(
            select(CreditNote.id, Order.customer_id, Order.id.label("order_id"), Order.number.label("order_number"),
                   CreditNote.number, CreditNote.issued_at, CreditNote.total)
            .join(Order, Order.id == CreditNote.order_id)
            .where(CreditNote.company_id == company_id, CreditNote.currency == currency,
                   CreditNote.issued_at < before, _unlisted(company_id, LineKind.CREDIT_NOTE, CreditNote.id)))
    ]
    # A payment is the customer's (it may pay several orders, or none yet: credit); a reversed one is listed
    # again when it was reversed, owing what it paid.
    payments = (select(BillingPayment.id, BillingPayment.customer_id, BillingPayment.order_id,
                       Order.number.label("order_number"), BillingPayment.reference, BillingPayment.received_at,
                       BillingPayment.reversed_at, BillingPayment.amount)
                .outerjoin(Order, Order.id == BillingPayment.order_id)
                .where(BillingPayment.company_id == company_id, BillingPayment.currency == currency))
    entries += [
        Entry(row.customer_id, LineKind.PAYMENT, row.id, row.order_id, row.order_number, row.reference,
              row.received_at, money(row.amount), -money(row.amount))
        for row in db.session.execute(payments.where(BillingPayment.received_at < before,
                                                     _unlisted(company_id, LineKind.PAYMENT, BillingPayment.id)))
    ]
    entries += [
        Entry(row.customer_id, LineKind.PAYMENT_REVERSED, row.id, row.order_id, row.order_number, row.reference,
              row.reversed_at, money(row.amount), money(row.amount))
        for row in db.session.execute(payments.where(
            BillingPayment.reversed_at.is_not(None), BillingPayment.reversed_at < before,
            _unlisted(company_id, LineKind.PAYMENT_REVERSED, BillingPayment.id)))
    ]
    return entries


def latest_statements(company_id: int) -> dict[int, Statement]:
    """Each customer's latest statement, by customer: one query."""
    latest = (select(Statement.customer_id, func.max(Statement.statement_date).label("statement_date"))
              .where(Statement.company_id == company_id).group_by(Statement.customer_id).subquery())
    rows = db.session.execute(
        select(Statement).join(latest, and_(Statement.customer_id == latest.c.customer_id,
                                            Statement.statement_date == latest.c.statement_date))
        .where(Statement.company_id == company_id)).unique().scalars()
    return {statement.customer_id: statement for statement in rows}


# --- the run -------------------------------------------------------------------------------------


def make_statements(company: Company, as_of: datetime | None = None) -> list[Statement]:
    """Make the statement of each customer whose statement day has ended by ``as_of`` and who has none for
    it yet, if they have entries to list or a balance to carry; the statements made (none on a second run)."""
    as_of = as_of or utcnow()
    day = _lock(company.id)
    zone = company.zone
    today = as_of.astimezone(zone).date()
    own_days = dict(db.session.execute(
        select(CustomerStatementDay.customer_id, CustomerStatementDay.statement_day)
        .where(CustomerStatementDay.company_id == company.id)).all())
    default_date = latest_statement_date(day, today)
    dates = {customer_id: latest_statement_date(own, today) for customer_id, own in own_days.items()}
    latest_end = period_end(max([default_date, *dates.values()]), zone)
    previous = latest_statements(company.id)

    def end_of(customer_id: int) -> datetime | None:
        statement_date = dates.get(customer_id, default_date)
        last = previous.get(customer_id)
        return None if last is not None and last.statement_date >= statement_date else period_end(statement_date, zone)

    # Under the company's policy, the period's monthly deliveries are invoiced first, to be listed below.
    invoicing.invoice_deliveries(company.id, latest_end, end_of)
    by_customer: dict[int, list[Entry]] = defaultdict(list)
    for entry in unlisted_entries(company, latest_end):
        by_customer[entry.customer_id].append(entry)
    wanted: dict[int, date] = {}
    for customer_id in set(by_customer) | {c for c, s in previous.items() if s.closing_balance != ZERO}:
        statement_date = dates.get(customer_id, default_date)
        last = previous.get(customer_id)
        if last is not None and last.statement_date >= statement_date:
            continue  # made already: what came since waits for the next
        end = period_end(statement_date, zone)
        by_customer[customer_id] = [entry for entry in by_customer[customer_id] if entry.at < end]
        if by_customer[customer_id] or (last is not None and last.closing_balance != ZERO):
            wanted[customer_id] = statement_date
    if not wanted:
        return []
    customers = {customer.id: customer for customer in db.session.execute(
        select(Customer).where(Customer.id.in_(wanted))).scalars()}
    numbers = _numbering(company.id, set(wanted.values()))
    rows = []
    for customer_id in sorted(wanted, key=lambda c: (customers[c].name, c)):
        statement_date = wanted[customer_id]
        last = previous.get(customer_id)
        effects = [entry.effect for entry in by_customer[customer_id]]
        opening = last.closing_balance if last is not None else ZERO
        numbers[statement_date] += 1
        rows.append({
            "company_id": company.id, "customer_id": customer_id,
            "number": f"ST{statement_date:%Y%m%d}-{numbers[statement_date]:04d}",
            "previous_id": last.id if last is not None else None, "statement_date": statement_date,
            "period_start": last.period_end if last is not None else _first_activity(by_customer[customer_id], zone),
            "period_end": period_end(statement_date, zone), "currency": company.currency,
            "opening_balance": opening, "debits": sum((effect for effect in effects if effect > 0), ZERO),
            "credits": -sum((effect for effect in effects if effect < 0), ZERO),
            "closing_balance": opening + sum(effects, ZERO), "status": StatementStatus.SENT, "created_at": as_of})
    # Core inserts, one executemany each: the ORM would insert the statements one by one to learn their ids.
    db.session.execute(insert(cast(Table, Statement.__table__)), rows)
    made = list(db.session.execute(
        select(Statement).where(Statement.company_id == company.id,
                                Statement.customer_id.in_(list(wanted)), Statement.statement_date.in_(
                                    list(set(wanted.values()))))
        .order_by(Statement.id)).unique().scalars())
    made = [statement for statement in made if statement.statement_date == wanted[statement.customer_id]]
    _insert_lines(made, by_customer)
    audit.record_many([audit.values(
        company_id=company.id, entity="statement", entity_id=statement.id, action="statement_sent", actor=None,
        after={"number": statement.number, "customer": statement.customer.name,
               "statement_date": statement.statement_date.isoformat(),
               "closing_balance": str(statement.closing_balance)}) for statement in made])
    for statement in made:
        _send(statement, company)
    return made


def _first_activity(entries: list[Entry], zone: ZoneInfo) -> datetime | None:
    """A customer's first statement starts on the day of their first entry (in the company's zone): it lists
    their whole history, so its period is that history's, not an open-ended one."""
    if not entries:
        return None
    first = min(entry.at for entry in entries).astimezone(zone)
    return datetime.combine(first.date(), time(0), tzinfo=zone)


def _numbering(company_id: int, dates: Iterable[date]) -> dict[date, int]:
    """How many statements each date has already, to number the next ones after them."""
    counted = dict(db.session.execute(
        select(Statement.statement_date, func.count()).where(Statement.company_id == company_id,
                                                             Statement.statement_date.in_(list(dates)))
        .group_by(Statement.statement_date)).all())
    return {day: counted.get(day, 0) for day in dates}


def _insert_lines(made: list[Statement], by_customer: dict[int, list[Entry]]) -> None:
    rows = []
    for statement in made:
        lines = sorted(by_customer[statement.customer_id], key=lambda entry: (entry.at, entry.kind, entry.source_id))
        rows += [{"company_id": statement.company_id, "statement_id": statement.id, "line_no": number,
                  "kind": entry.kind, "source_id": entry.source_id, "order_id": entry.order_id,
                  "order_number": entry.order_number, "reference": entry.reference, "entry_at": entry.at,
                  "amount": entry.amount, "effect": entry.effect}
                 for number, entry in enumerate(lines, start=1)]
    if rows:
        db.session.execute(insert(cast(Table, StatementLine.__table__)), rows)


def _send(statement: Statement, company: Company) -> None:
    """Queue the statement's email to the customer, in their language, with its PDF (the customer's copy);
    the outbox sends it after commit."""
    recipient = outbox.to_customer(statement.customer)
    if recipient is None:
        return
    outbox.send_email("billing/statements/statement_email.txt", recipient, company_id=company.id,
                      kind="statement_sent", attachments=[documents.attachment(statement)], statement=statement,
                      customer=statement.customer, company=company)


def run(company: Company, now: datetime) -> str | None:
    """The ``billing.statements`` job's work for one company: what it made."""
    made = make_statements(company, now)
    return _("%(count)s statements sent", count=len(made)) if made else None
