"""An order's timeline as one reader may read it: the whole audit trail for staff, the customer's view for a customer.

A customer user sees only the entries of the actions that the plugins pinned on
the order declare customer-facing (``customer_timeline_actions``, each with the
recorded values it shows), never a staff member's name, note or typed reason:
what staff or the system did is told as done by the company. The order page and
``GET /api/v1/orders/{id}/timeline`` both read the timeline here.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.audit import order_timeline
from core.contracts import CustomerView
from core.extensions import db
from core.models import AuditEntry, Order, User
from core.modules import hooks_for_order


class Actor(enum.StrEnum):
    """Who an entry says acted, as its reader is told."""

    PERSON = "person"  # a user, named: anyone to staff, a colleague of their own customer to a customer
    SYSTEM = "system"  # no user acted (a rule, a fallback, a job); told to staff only
    YOU = "you"  # the customer user reading it
    COMPANY = "company"  # staff or the system, as a customer is told: the company's name


@dataclass(frozen=True)
class TimelineEntry:
    """One entry of an order's timeline, with what its reader may see of it."""

    id: int
    at: datetime
    entity: str
    entity_id: int | None
    action: str
    actor: Actor
    actor_label: str  # the user's name; for ``COMPANY`` the company's
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


def timeline(order: Order, reader: User) -> list[TimelineEntry]:
    """The order's timeline, oldest first, as ``reader`` may read it."""
    entries = order_timeline(order)
    if reader.customer_id is None:
        return [_as_recorded(entry) for entry in entries]
    return customer_timeline(order, reader, entries)


def customer_actions(order: Order) -> dict[str, CustomerView]:
    """The audit actions a customer sees on this order's timeline, from the plugins pinned on it."""
    return {action: view for contribution in hooks_for_order(order).customer_timeline_actions()
            for action, view in contribution.items()}


def customer_timeline(order: Order, reader: User, entries: list[AuditEntry]) -> list[TimelineEntry]:
    """The customer-facing entries, each stripped to what the customer may see of it."""
    views = customer_actions(order)
    shown = [entry for entry in entries if entry.action in views]
    others = {entry.actor_id for entry in shown if entry.actor_id is not None and entry.actor_id != reader.id}
    colleagues = set(db.session.execute(
        select(User.id).where(User.id.in_(others), User.customer_id == reader.customer_id)
    ).scalars()) if others else set()
    result = []
    for entry in shown:
        if entry.actor_id is not None and entry.actor_id == reader.id:
            actor, label = Actor.YOU, entry.actor_label
        elif entry.actor_id in colleagues:
            actor, label = Actor.PERSON, entry.actor_label
        else:
            actor, label = Actor.COMPANY, reader.company.name
        own = actor != Actor.COMPANY  # written by the customer's own people
        view = views[entry.action]
        keys = view.fields | view.own_fields if own else view.fields
        result.append(TimelineEntry(
            id=entry.id, at=entry.at, entity=entry.entity, entity_id=entry.entity_id, action=entry.action,
            actor=actor, actor_label=label, before=_only(entry.before, keys), after=_only(entry.after, keys),
            note=entry.note if own else None,
        ))
    return result


def _as_recorded(entry: AuditEntry) -> TimelineEntry:
    return TimelineEntry(
        id=entry.id, at=entry.at, entity=entry.entity, entity_id=entry.entity_id, action=entry.action,
        actor=Actor.PERSON if entry.actor_id is not None else Actor.SYSTEM, actor_label=entry.actor_label,
        before=entry.before, after=entry.after, note=entry.note,
    )


def _only(values: dict[str, Any] | None, keys: frozenset[str]) -> dict[str, Any] | None:
    if values is None:
        return None
    kept = {key: value for key, value in values.items() if key in keys}
    return kept or None
