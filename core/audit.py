"""Writing audit entries: who did what, when, before and after."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
) -> AuditEntry:
    """Append one audit entry to the current transaction."""
    entry = AuditEntry(
        company_id=company_id,
        order_id=order_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label(actor),
        before=before,
        after=after,
        note=note,
    )
    db.session.add(entry)
    return entry


def order_timeline(order: Order) -> list[AuditEntry]:
    """The order's audit entries, oldest first: its timeline."""
    return list(db.session.execute(
        select(AuditEntry).where(AuditEntry.order_id == order.id).order_by(AuditEntry.at, AuditEntry.id)
    ).scalars())
