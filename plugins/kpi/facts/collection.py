"""Collection facts: the dunning notices billing sent and the promises to pay it recorded and settled.

Dunning and promises are the customer's, not an order's: billing tells the plugins switched on for the
company (``dunning_level_reached``, ``payment_promised``, ``payment_promises_settled``), and each becomes one
:class:`KpiCollection` row, counted per customer and per salesperson (a notice: who entered the invoiced order;
a promise: who took it). As for the order facts (``facts.recording``), the ``*_facts`` functions are pure, and
``ordo kpi rebuild`` feeds them the payloads billing kept on its audit entries (:func:`rebuild`), so live
recording and a rebuild give the same rows.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, String, Table, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from core.contracts import DunningLevelReached, PaymentPromised, PromiseSettled
from core.extensions import Model, db
from core.models import AuditEntry, Order
from core.models.types import Money, UTCDateTime, enum_column

CHUNK = 2000


class CollectionKind(enum.StrEnum):
    DUNNING = "dunning"  # a dunning notice sent: an invoice reached a level
    PROMISED = "promised"  # a promise to pay taken
    KEPT = "kept"  # a promise found kept on its date
    BROKEN = "broken"  # a promise found broken on its date


class KpiCollection(Model):
    """A dunning notice sent, or a promise to pay taken, kept or broken, for a customer, at a moment."""

    __tablename__ = "kpi_collection"
    __table_args__ = (Index("ix_kpi_collection_company_at", "company_id", "at", "kind"),
                      Index("ix_kpi_collection_salesperson", "company_id", "salesperson_id", "at", "kind"),
                      Index("ix_kpi_collection_customer", "company_id", "customer_id", "at", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    # A notice: who entered the invoiced order; a promise: who took it.
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))  # None: a promise of the account
    kind: Mapped[CollectionKind] = mapped_column(enum_column(CollectionKind))
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    promise_id: Mapped[int | None] = mapped_column()  # billing's promise, for a promise's facts
    level: Mapped[int | None] = mapped_column()  # a notice's dunning level
    amount: Mapped[Decimal | None] = mapped_column(Money())  # owed (a notice) or promised (a promise)
    currency: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<KpiCollection {self.kind.value} customer={self.customer_id}>"


Values = dict[str, Any]


def dunning_facts(company_id: int, notices: Iterable[DunningLevelReached],
                  salespeople: dict[int, int | None]) -> list[Values]:
    """One row per notice, counted for whoever entered the invoiced order (``salespeople``: by order id)."""
    return [{"company_id": company_id, "customer_id": notice.customer_id, "order_id": notice.order_id,
             "salesperson_id": salespeople.get(notice.order_id), "kind": CollectionKind.DUNNING,
             "invoice_number": notice.invoice_number, "promise_id": None, "level": notice.level,
             "amount": notice.owed, "currency": notice.currency, "at": notice.sent_at} for notice in notices]


def promised_facts(company_id: int, promise: PaymentPromised) -> list[Values]:
    """The promise taken, counted for who took it."""
    return [{"company_id": company_id, "customer_id": promise.customer_id, "order_id": promise.order_id,
             "salesperson_id": promise.made_by_id, "kind": CollectionKind.PROMISED,
             "invoice_number": promise.invoice_number, "promise_id": promise.promise_id, "level": None,
             "amount": promise.amount, "currency": promise.currency, "at": promise.made_at}]


def settled_facts(company_id: int, promises: Iterable[PromiseSettled]) -> list[Values]:
    """Each promise kept or broken, at its settling, counted for who took it."""
    return [{"company_id": company_id, "customer_id": promise.customer_id, "order_id": promise.order_id,
             "salesperson_id": promise.made_by_id,
             "kind": CollectionKind.KEPT if promise.kept else CollectionKind.BROKEN, "invoice_number": None,
             "promise_id": promise.promise_id, "level": None, "amount": promise.amount,
             "currency": promise.currency, "at": promise.settled_at} for promise in promises]


def salespeople_of(order_ids: Iterable[int]) -> dict[int, int | None]:
    """Who entered each order: one query."""
    wanted = sorted(set(order_ids))
    if not wanted:
        return {}
    rows = db.session.execute(select(Order.id, Order.created_by_id).where(Order.id.in_(wanted)))
    return {order_id: salesperson_id for order_id, salesperson_id in rows}


def add(rows: list[Values]) -> None:
    """Write the rows in the current transaction (billing's action that caused them)."""
    db.session.add_all(KpiCollection(**values) for values in rows)


ACTIONS = sorted({*DunningLevelReached.audit_actions, *PaymentPromised.audit_actions,
                  *PromiseSettled.audit_actions})


def rebuild(company_id: int, as_of: datetime) -> tuple[int, int]:
    """Delete the company's collection facts and record them again from billing's audit entries up to ``as_of``:
    how many entries were read and how many rows written."""
    db.session.execute(delete(KpiCollection).where(KpiCollection.company_id == company_id))
    entries = written = 0
    pending: list[Values] = []
    rows = db.session.execute(
        select(AuditEntry.action, AuditEntry.after, Order.created_by_id)
        .outerjoin(Order, Order.id == AuditEntry.order_id)
        .where(AuditEntry.company_id == company_id, AuditEntry.at <= as_of, AuditEntry.action.in_(ACTIONS))
        .order_by(AuditEntry.at, AuditEntry.id)
        .execution_options(yield_per=CHUNK))
    for action, after, salesperson_id in rows:
        entries += 1
        pending += facts_of_entry(company_id, action, after or {}, salesperson_id)
        if len(pending) >= CHUNK:
            written += _insert(pending)
    return entries, written + _insert(pending)


def facts_of_entry(company_id: int, action: str, after: dict[str, Any], salesperson_id: int | None) -> list[Values]:
    """The facts one of billing's audit entries stands for (``salesperson_id``: who entered its order, if any)."""
    if action in DunningLevelReached.audit_actions and isinstance(after.get(DunningLevelReached.hook), dict):
        notice = DunningLevelReached.from_record(after[DunningLevelReached.hook])
        return dunning_facts(company_id, [notice], {notice.order_id: salesperson_id})
    if action in PaymentPromised.audit_actions and isinstance(after.get(PaymentPromised.hook), dict):
        return promised_facts(company_id, PaymentPromised.from_record(after[PaymentPromised.hook]))
    if action in PromiseSettled.audit_actions and isinstance(after.get(PromiseSettled.hook), dict):
        return settled_facts(company_id, [PromiseSettled.from_record(after[PromiseSettled.hook])])
    return []  # an entry written before billing kept the payload: nothing to read back


def _insert(pending: list[Values]) -> int:
    if not pending:
        return 0
    db.session.execute(insert(cast(Table, KpiCollection.__table__)), pending)
    count = len(pending)
    pending.clear()
    return count
