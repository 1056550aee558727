"""Writing audit entries: who did what, when, before and after.

An entry is kept in the session (``info``) when recorded and written at the commit, all of the transaction's
entries in one executemany (``insertmanyvalues`` on PostgreSQL): a request that records three entries sends one
INSERT rather than three, and never a flush of its own. The entries go in in the order they were recorded, each
with the moment it was recorded, so the log reads as it did when each entry was flushed on its own. A query that
reads ``audit_entry`` in the same transaction first writes what is kept, so it sees every entry recorded before
it; a rollback (of the transaction, or of a savepoint for what was recorded inside it) drops them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, event, insert, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import find_tables

from core.extensions import db
from core.models import AuditEntry, Order, User, utcnow

_PENDING = "ordo.audit.pending"
# Per open savepoint: how many entries were kept when it began, what its rollback keeps.
_MARKS = "ordo.audit.marks"
_TABLE = cast(Table, AuditEntry.__table__)


def actor_label(actor: User | None) -> str:
    return f"{actor.name} ({actor.username})" if actor is not None else "system"


def record(
    *,
    company_id: int,
    entity: str,
    entity_id: int | None,
    action: str,
    actor: User | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    order_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Append one audit entry to the current transaction; ``at``: the moment it records (default: now).

    Written at the commit with the transaction's other entries (see the module's docstring).
    """
    _keep([{**values(company_id=company_id, entity=entity, entity_id=entity_id, action=action, actor=actor,
                     before=before, after=after, note=note, order_id=order_id),
            "at": at if at is not None else utcnow()}])


def values(
    *,
    company_id: int,
    entity: str,
    entity_id: int | None,
    action: str,
    actor: User | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
    order_id: int | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry as :func:`record` writes it (``at``: when it is recorded, unless given)."""
    return {"company_id": company_id, "order_id": order_id, "entity": entity, "entity_id": entity_id,
            "action": action, "actor_id": actor.id if actor is not None else None,
            "actor_label": actor_label(actor), "before": before, "after": after, "note": note}


def record_many(entries: list[dict[str, Any]]) -> None:
    """Append many audit entries (each made by :func:`values`) to the current transaction.

    For bulk work such as an import: written at the commit with the other entries, in the order recorded.
    """
    now = utcnow()
    _keep([{**entry, "at": entry.get("at") or now} for entry in entries])


def order_timeline(order: Order) -> list[AuditEntry]:
    """The order's audit entries, oldest first: its timeline."""
    return list(db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id).order_by(AuditEntry.at, AuditEntry.id)
    ).scalars())


def _keep(entries: list[dict[str, Any]]) -> None:
    if entries:
        db.session().info.setdefault(_PENDING, []).extend(entries)


def write_pending(session: Session) -> None:
    """Write the entries ``session`` keeps, in one executemany: at the commit, or before a read of the log."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.execute(insert(_TABLE), pending)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        # The commit's own flush first: what a flush's listener records then goes in with the rest.
        session.flush()
        write_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _before_read(state: ORMExecuteState) -> None:
    # Only while entries are kept: the statement's tables are looked at then, and not otherwise.
    if not state.session.info.get(_PENDING) or (state.is_select and not _reads_log(state.statement)):
        return
    if state.is_select or not isinstance(getattr(state.statement, "table", None), Table):
        # A read of the log, or a statement whose tables are not known (text): it sees every entry recorded.
        write_pending(state.session)


def _reads_log(statement: Any) -> bool:
    if not isinstance(statement, Select):
        return True
    return any(getattr(table, "name", None) == _TABLE.name
               for table in find_tables(statement, check_columns=True, include_aliases=True, include_joins=True))


@event.listens_for(Session, "after_transaction_create")
def _savepoint_began(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    mark = session.info.get(_MARKS, {}).get(id(previous)) if previous.nested else None
    if mark is None:
        session.info.pop(_PENDING, None)
    else:
        del session.info.get(_PENDING, [])[mark:]


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint's mark stays until the transaction ends: its rollback is told after its end.
    if transaction.parent is None and not transaction.nested:
        # Closed without a commit (a request that failed before its handler rolled back): nothing is kept.
        session.info.pop(_PENDING, None)
        session.info.pop(_MARKS, None)
