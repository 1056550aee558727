"""Writing audit entries: who did what, when, before and after."""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select

from core.extensions import db
from core.models import AuditEntry, Order, User


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
) -> AuditEntry:
    """Append one audit entry to the current transaction; ``at``: the moment it records (default: now)."""
    entry = AuditEntry(**values(company_id=company_id, entity=entity, entity_id=entity_id, action=action,
                                actor=actor, before=before, after=after, note=note, order_id=order_id))
    if at is not None:
        entry.at = at
    db.session.add(entry)
    return entry


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
    """The columns of one audit entry as :func:`record` writes it (``at`` is the time it is inserted)."""
    return {"company_id": company_id, "order_id": order_id, "entity": entity, "entity_id": entity_id,
            "action": action, "actor_id": actor.id if actor is not None else None,
            "actor_label": actor_label(actor), "before": before, "after": after, "note": note}


def record_many(entries: list[dict[str, Any]]) -> None:
    """Append many audit entries (each made by :func:`values`) to the current transaction in one executemany.

    For bulk work such as an import, whose rows are inserted with SQLAlchemy Core:
    the entries are not in the session afterwards.
    """
    if entries:
        db.session.execute(insert(cast(Table, AuditEntry.__table__)), entries)


def order_timeline(order: Order) -> list[AuditEntry]:
    """The order's audit entries, oldest first: its timeline."""
    return list(db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id).order_by(AuditEntry.at, AuditEntry.id)
    ).scalars())
