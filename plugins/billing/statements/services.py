"""Statements once made: finding them, the customer's confirmation or dispute, sales' and finance's answers.

A statement is sent (``SENT``); the customer confirms it (``CONFIRMED``:
frozen) or disputes chosen lines, each with a reason (``DISPUTED``), and may
attach their stamped copy. Each dispute is a task for sales and finance,
answered with a correction (a credit note issued through invoices'
``credit_case``: it is a new ledger entry, so it goes on the next statement)
or an explanation; once every dispute is answered the statement is
``ANSWERED`` and the customer may confirm it. A confirmed statement is never
disputed again. Bad input is refused naming the field, before anything
changes. Nothing here commits.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select

from core import attachments, audit, outbox
from core.auth.context import check
from core.contracts import Credit
from core.db import flush, page_of
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.keyset import Keyset, Kind
from core.models import Company, Customer, User, utcnow
from core.models.types import MONEY_PLACES
from core.orders.queries import get_order
from plugins.billing.invoices.credit_notes import credit_case
from plugins.billing.payments.settlement import after_credit
from plugins.billing.statements.models import (
    LAST_DAY, CustomerStatementDay, DisputeStatus, LineKind, Resolution, Statement, StatementAttachment,
    StatementDispute, StatementLine, StatementSetting, StatementStatus,
)

ATTACHMENT_MAX_BYTES = attachments.ATTACHMENT_MAX_BYTES
REASON_MAX = 1000
ANSWER_MAX = 2000
# Read from the content, never from the name or the client's word (as logistics' acceptance does).
# Sales and finance answer a dispute within this long; after it, the inbox shows it late.
ANSWER_WITHIN = timedelta(days=3)
ANSWERABLE = frozenset({StatementStatus.SENT, StatementStatus.ANSWERED})
VIEW = "billing.statement.view"
ANSWER = "billing.statement.answer"
RESOLVE = "billing.statement.resolve"
SETTINGS = "billing.statement.settings"
# Lines whose order a correction credits.
CORRECTABLE = frozenset({LineKind.DELIVERY, LineKind.INVOICE, LineKind.CREDIT_NOTE, LineKind.PAYMENT})


# --- finding statements -----------------------------------------------------------------


def visible_statements(user: User) -> Select[Any]:
    """The statements ``user`` may see: the company's for staff, their own customer's for a customer user."""
    query = select(Statement).where(Statement.company_id == user.company_id)
    if user.customer_id is not None:
        query = query.where(Statement.customer_id == user.customer_id)
    return query


def get_statement(user: User, statement_id: int) -> Statement:
    """A statement ``user`` may see; NotFound otherwise (another company's, another customer's)."""
    found = db.session.execute(
        visible_statements(user).where(Statement.id == statement_id)).unique().scalar_one_or_none()
    if found is None:
        raise NotFound(_("statement %(id)s does not exist", id=statement_id))
    return found


NEWEST_FIRST = Keyset(Statement.id, Statement.statement_date, Kind.DATE, descending=True)


def search_statements(user: User, *, customer_id: int | None = None, status: StatementStatus | None = None,
                      page: int | None = None, per_page: int = 25, cursor: str | None = None) -> dict[str, Any]:
    """A page of the statements ``user`` may see, newest first (``core.db.page_of``)."""
    query = visible_statements(user)
    if customer_id is not None:
        query = query.where(Statement.customer_id == customer_id)
    if status is not None:
        query = query.where(Statement.status == status)
    return page_of(query, NEWEST_FIRST, page=page, per_page=per_page, cursor=cursor)


def disputes_of(statement: Statement) -> list[StatementDispute]:
    return list(db.session.execute(
        select(StatementDispute).where(StatementDispute.statement_id == statement.id)
        .order_by(StatementDispute.id)).unique().scalars())


def attachments_of(statement: Statement) -> list[StatementAttachment]:
    return list(db.session.execute(
        select(StatementAttachment).where(StatementAttachment.statement_id == statement.id)
        .order_by(StatementAttachment.id)).scalars())


def get_attachment(statement: Statement, attachment_id: int) -> StatementAttachment:
    row = db.session.get(StatementAttachment, attachment_id)
    if row is None or row.statement_id != statement.id:
        raise NotFound(_("attachment %(id)s does not exist", id=attachment_id))
    return row


def running_balances(statement: Statement) -> list[tuple[StatementLine, Decimal]]:
    """Each line with the balance after it, from the opening balance: the last is the closing balance."""
    balance = statement.opening_balance
    rows = []
    for line in statement.lines:
        balance += line.effect
        rows.append((line, balance))
    return rows


# --- the customer's answer ------------------------------------------------------------------


def _customer_of(actor: User, statement: Statement) -> None:
    check(actor, ANSWER)
    if actor.customer_id is not None and actor.customer_id != statement.customer_id:
        raise NotFound(_("statement %(id)s does not exist", id=statement.id))


def _answerable(statement: Statement, field: str) -> None:
    if statement.status == StatementStatus.CONFIRMED:
        raise Conflict(_("statement %(number)s is confirmed already: it is frozen, and later changes go to the "
                         "next statement", number=statement.number), field=field)
    if statement.status not in ANSWERABLE:
        raise Conflict(_("statement %(number)s has disputes still open; it can be confirmed once they are "
                         "answered", number=statement.number), field=field)


def confirm(statement: Statement, actor: User, now: datetime | None = None) -> Statement:
    """The customer agrees with the statement: it is frozen. A second confirmation is refused (409)."""
    _customer_of(actor, statement)
    _answerable(statement, "status")
    now = now or utcnow()
    before = statement.status
    statement.status = StatementStatus.CONFIRMED
    statement.confirmed_at = statement.answered_at = now
    statement.answered_by_id = actor.id
    audit.record(company_id=statement.company_id, entity="statement", entity_id=statement.id,
                 action="statement_confirmed", actor=actor, before={"status": before.value},
                 after={"status": statement.status.value, "number": statement.number})
    flush()
    return statement


def dispute(statement: Statement, actor: User, disputed: Sequence[Mapping[str, Any]],
            now: datetime | None = None) -> list[StatementDispute]:
    """The customer disputes chosen lines, each ``{"line_no": n, "reason": text}``; each becomes a task.

    Refused naming the field, with nothing changed: no line, a line twice or not
    on the statement (``lines[i].line_no``), a line disputed before, an empty or
    long reason (``lines[i].reason``), a confirmed statement or one with open disputes.
    """
    _customer_of(actor, statement)
    _answerable(statement, "lines")
    if not disputed:
        raise ValidationError(_("choose at least one line to dispute"), field="lines")
    lines = {line.line_no: line for line in statement.lines}
    already = {row.line_id for row in disputes_of(statement)}
    seen: set[int] = set()
    wanted: list[tuple[StatementLine, str]] = []
    for index, row in enumerate(disputed):
        line_no = row.get("line_no")
        line = lines.get(line_no) if isinstance(line_no, int) and not isinstance(line_no, bool) else None
        if line is None:
            raise ValidationError(_("line %(line)s is not on statement %(number)s", line=line_no,
                                    number=statement.number), field=f"lines[{index}].line_no")
        if line_no in seen or line.id in already:
            raise ValidationError(_("line %(line)s is disputed already", line=line_no),
                                  field=f"lines[{index}].line_no")
        seen.add(line.line_no)
        reason = (row.get("reason") or "").strip() if isinstance(row.get("reason"), str | None) else ""
        if not reason:
            raise ValidationError(_("say why line %(line)s is wrong", line=line_no), field=f"lines[{index}].reason")
        if len(reason) > REASON_MAX:
            raise ValidationError(_("the reason is longer than %(max)s characters", max=REASON_MAX),
                                  field=f"lines[{index}].reason")
        wanted.append((line, reason))
    now = now or utcnow()
    rows = [StatementDispute(company_id=statement.company_id, statement_id=statement.id, line_id=line.id,
                             line=line, reason=reason, disputed_by_id=actor.id, disputed_at=now)
            for line, reason in wanted]
    db.session.add_all(rows)
    before = statement.status
    statement.status = StatementStatus.DISPUTED
    statement.answered_at = now
    statement.answered_by_id = actor.id
    audit.record(company_id=statement.company_id, entity="statement", entity_id=statement.id,
                 action="statement_disputed", actor=actor, before={"status": before.value},
                 after={"status": statement.status.value, "number": statement.number,
                        "lines": [line.line_no for line, _reason in wanted]})
    flush()
    return rows


def attach(statement: Statement, actor: User, filename: str | None, content: bytes) -> StatementAttachment:
    """Attach the customer's stamped copy: a PNG or JPEG image or a PDF of at most ``ATTACHMENT_MAX_BYTES``,
    its type read from the content. A confirmed statement takes no more attachments."""
    _customer_of(actor, statement)
    if statement.frozen:
        raise Conflict(_("statement %(number)s is confirmed already: it is frozen", number=statement.number),
                       field="file")
    name, kind = attachments.checked_attachment(filename, content, unnamed="statement", max_bytes=ATTACHMENT_MAX_BYTES)
    row = StatementAttachment(company_id=statement.company_id, statement_id=statement.id, filename=name,
                              content_type=kind, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                              content=content, uploaded_by_id=actor.id, uploaded_at=utcnow())
    db.session.add(row)
    flush()
    audit.record(company_id=statement.company_id, entity="statement", entity_id=statement.id,
                 action="statement_attachment_added", actor=actor,
                 after={"number": statement.number, "filename": name, "content_type": kind, "size": len(content)})
    return row


# --- sales' and finance's answers -------------------------------------------------------------


def get_dispute(user: User, dispute_id: int) -> StatementDispute:
    row = db.session.get(StatementDispute, dispute_id)
    if row is None or row.company_id != user.company_id or user.customer_id is not None:
        raise NotFound(_("dispute %(id)s does not exist", id=dispute_id))
    return row


def resolve(row: StatementDispute, actor: User, *, resolution: Resolution, answer: str,
            amount: Decimal | None = None, now: datetime | None = None) -> StatementDispute:
    """Answer a disputed line: a correction credits the line's order by ``amount`` (a credit note through
    invoices, listed on the customer's next statement), an explanation says why the line stands.

    Refused naming the field, with nothing changed: an answer already given
    (``dispute``), an empty or long answer (``answer``), a correction without an
    amount greater than zero, to the cent, or of a line without an order, or for
    more than the invoice still bills (``amount``, from invoices).
    """
    check(actor, RESOLVE)
    if row.status != DisputeStatus.OPEN:
        raise Conflict(_("this dispute is answered already"), field="dispute")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("write the answer the customer gets"), field="answer")
    if len(answer) > ANSWER_MAX:
        raise ValidationError(_("the answer is longer than %(max)s characters", max=ANSWER_MAX), field="answer")
    statement = db.session.get_one(Statement, row.statement_id)
    credit_note = None
    if resolution == Resolution.CORRECTION:
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 \
                or amount != amount.quantize(MONEY_PLACES):
            raise ValidationError(_("a correction needs an amount greater than zero, to the cent"), field="amount")
        if row.line.order_id is None or row.line.kind not in CORRECTABLE:
            raise ValidationError(_("line %(line)s names no order to credit; answer it with an explanation",
                                    line=row.line.line_no), field="resolution")
        order = get_order(actor, row.line.order_id)
        credit_note = credit_case(order, Credit(
            amount=amount, reason=answer, granted_at=now or utcnow(), case_id=row.id,
            case_number=f"{statement.number}/{row.line.line_no}", granted_by_id=actor.id))
        after_credit(order, credit_note)
    elif amount is not None:
        raise ValidationError(_("an explanation moves no money: leave the amount out"), field="amount")
    now = now or utcnow()
    row.status = DisputeStatus.RESOLVED
    row.resolution = resolution
    row.answer = answer
    row.credit_note_id = credit_note.id if credit_note is not None else None
    row.resolved_by_id = actor.id
    row.resolved_at = now
    open_left = db.session.execute(select(func.count()).where(
        StatementDispute.statement_id == statement.id, StatementDispute.status == DisputeStatus.OPEN,
        StatementDispute.id != row.id)).scalar_one()
    if open_left == 0:
        statement.status = StatementStatus.ANSWERED
    audit.record(company_id=statement.company_id, entity="statement", entity_id=statement.id,
                 action="statement_dispute_resolved", actor=actor,
                 after={"number": statement.number, "line": row.line.line_no, "resolution": resolution.value,
                        "credit_note": credit_note.number if credit_note is not None else None},
                 note=answer)
    recipient = outbox.to_customer(statement.customer)
    if recipient is not None:
        outbox.send_email("billing/statements/dispute_answer_email.txt", recipient,
                          company_id=statement.company_id, kind="statement_dispute_resolved",
                          statement=statement, dispute=row, credit_note=credit_note, customer=statement.customer,
                          company=db.session.get_one(Company, statement.company_id))
    flush()
    return row


# --- the inbox: open disputes for sales and finance ---------------------------------------------


def _open_disputes(user: User) -> Select[Any]:
    return (select(StatementDispute).join(Statement, Statement.id == StatementDispute.statement_id)
            .where(StatementDispute.company_id == user.company_id, StatementDispute.status == DisputeStatus.OPEN))


def count_open_disputes(user: User, now: datetime) -> tuple[int, int]:
    """How many disputes wait for an answer, and how many are past ``ANSWER_WITHIN`` at ``now``: one query."""
    total, late = db.session.execute(_open_disputes(user).with_only_columns(
        func.count(), func.count(case((StatementDispute.disputed_at < now - ANSWER_WITHIN, 1))))).one()
    return total, late


def open_disputes(user: User, limit: int | None) -> list[tuple[StatementDispute, str, str]]:
    """The first ``limit`` open disputes, oldest first, with their statement's number and customer: one query."""
    rows = db.session.execute(
        _open_disputes(user).join(Customer, Customer.id == Statement.customer_id)
        .with_only_columns(StatementDispute, Statement.number, Customer.name)
        .order_by(StatementDispute.disputed_at, StatementDispute.id).limit(limit)).unique().all()
    return [(row[0], row[1], row[2]) for row in rows]


# --- the statement day ----------------------------------------------------------------------------


def set_statement_day(company_id: int, day: int, actor: User, customer_id: int | None = None) -> int:
    """Set the company's statement day, or a customer's own one (from their monthly-settlement contract);
    the day set."""
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 31:
        raise ValidationError(_("the statement day is a day of the month, 1 to 31"), field="statement_day")
    if customer_id is None:
        setting = db.session.get(StatementSetting, company_id) or StatementSetting(company_id=company_id)
        setting.statement_day = day
        db.session.add(setting)
    else:
        customer = db.session.get(Customer, customer_id)
        if customer is None or customer.company_id != company_id:
            raise NotFound(_("customer %(id)s does not exist", id=customer_id), field="customer_id")
        own = db.session.get(CustomerStatementDay, customer_id) or CustomerStatementDay(
            customer_id=customer_id, company_id=company_id)
        own.statement_day = day
        db.session.add(own)
    audit.record(company_id=company_id, entity="statement_setting", entity_id=customer_id,
                 action="statement_day_set", actor=actor, after={"statement_day": day, "customer_id": customer_id})
    flush()
    return day


def statement_days(company_id: int) -> dict[str, Any]:
    setting = db.session.get(StatementSetting, company_id)
    own = db.session.execute(select(CustomerStatementDay.customer_id, CustomerStatementDay.statement_day)
                             .where(CustomerStatementDay.company_id == company_id)
                             .order_by(CustomerStatementDay.customer_id)).all()
    return {"statement_day": setting.statement_day if setting else LAST_DAY,
            "customers": [{"customer_id": customer_id, "statement_day": day} for customer_id, day in own]}

