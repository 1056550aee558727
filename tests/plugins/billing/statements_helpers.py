"""Helpers of the statement tests: dating an order's ledger entries, and a statement run as the CLI runs it."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from core.db import commit
from core.extensions import db
from core.models import Company, Order
from plugins.billing.invoices.models import CreditNote, Invoice
from plugins.billing.payments import services as payments
from plugins.billing.payments.models import BillingPayment
from plugins.billing.statements import run
from plugins.billing.statements.models import Statement

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A moment in Shanghai, ``2026-01-10 09:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def date_delivery(order: Order, when: datetime) -> None:
    """The order was signed for, and invoiced, at ``when``."""
    db.session.execute(update(Order).where(Order.id == order.id).values(delivered_at=when))
    db.session.execute(update(Invoice).where(Invoice.order_id == order.id).values(issued_at=when))
    commit()


def date_credit_notes(order: Order, when: datetime) -> None:
    db.session.execute(update(CreditNote).where(CreditNote.order_id == order.id).values(issued_at=when))
    commit()


def pay(order: Order, amount: str, when: datetime, actor, reference: str | None = None) -> BillingPayment:
    """A bank transfer for the order received at ``when``, referenced ``BANK-<month><day>`` unless told."""
    payment = payments.record_payment(db.session.get_one(Order, order.id), amount=Decimal(amount), received_at=when,
                                      reference=reference or f"BANK-{when:%m%d}", actor=actor)
    commit()
    return payment


def make(company: Company, as_of: datetime) -> list[Statement]:
    made = run.make_statements(db.session.get_one(Company, company.id), as_of)
    commit()
    return made


def statements_of(customer_id: int) -> list[Statement]:
    db.session.expire_all()
    return list(db.session.execute(select(Statement).where(Statement.customer_id == customer_id)
                                   .order_by(Statement.statement_date)).unique().scalars())
