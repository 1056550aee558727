"""The audit browser's lists: every entry of the company, and the two views supervisors open most — late
steps and escalations, and changes, overrides and credit-hold releases with their reasons.

Each is a :class:`core.listview.ListSpec` over ``audit_entry`` (keyset pages by id, filters, group-bys,
export), so a page costs the same statements over a hundred entries as over millions. ``action`` and
``entity`` narrow a list to one code each; a group-by's rows link to them.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from werkzeug.datastructures import MultiDict

from core.errors import ValidationError
from core.extensions import db
from core.keyset import Kind
from core.labels import AUDIT_ACTION, system_note
from core.listview import Column, Filter, FilterKind, GroupBy, ListSpec
from core.models import AuditEntry, Order, User
from core.sqlite import rarely
from core.portal import order_url

# Review steps past their limit, escalations to a superior, delays reported, orders at risk.
ESCALATIONS = ("review_overdue", "review_step_escalated", "review_delay_reported", "case_escalated",
               "incident_escalated", "order_at_risk", "customer_notified_of_delay")
# What changed an order or bent a rule, each with its reason in the entry's note.
CHANGES = ("change_requested", "change_decided", "change_applied", "change_acknowledged",
           "review_finding_overridden", "credit_hold_released", "credit_hold_lifted", "warnings_confirmed",
           "shipment_dispatched_unchecked")
CODE_MAX = 64


def narrowed(args: MultiDict[str, str]) -> dict[str, str]:
    """The ``action`` and ``entity`` asked for, checked: codes of at most 64 printable characters."""
    found = {}
    for name in ("action", "entity"):
        given = (args.get(name) or "").strip()
        if not given:
            continue
        if len(given) > CODE_MAX or not given.isprintable():
            raise ValidationError(_("%(field)s must be a code of at most %(most)s characters",
                                    field=name, most=CODE_MAX), field=name)
        found[name] = given
    return found


def _staff(user: User) -> Sequence[tuple[int, str]]:
    return [(row.id, row.name) for row in db.session.execute(
        select(User.id, User.name).where(User.company_id == user.company_id, User.customer_id.is_(None))
        .order_by(User.name).limit(500))]


def _order_link(row: Any) -> str | None:
    return order_url(row.order_id) if row.order_id is not None else None


def _actor(row: Any) -> str:
    return row.actor if row.actor_id is not None else _("System")


def _note(row: Any) -> str:
    return system_note(row.note, row.after if isinstance(row.after, dict) else {})


def audit_spec(name: str, actions: Sequence[str] | None, narrow: dict[str, str]) -> ListSpec:
    """The audit entries of the reader's company, of ``actions`` only if given, newest first."""
    def source(user: User) -> Select[Any]:
        statement = (select(AuditEntry).outerjoin(Order, Order.id == AuditEntry.order_id)
                     .where(AuditEntry.company_id == user.company_id))
        if actions is not None:  # a standing view's actions are a sliver of the log (ix_audit_entry_company_action_id)
            statement = statement.where(rarely(AuditEntry.action.in_(actions)))
        if "action" in narrow:
            statement = statement.where(AuditEntry.action == narrow["action"])
        if "entity" in narrow:
            statement = statement.where(AuditEntry.entity == narrow["entity"])
        return statement

    return ListSpec(
        name=name,
        source=source,
        id=AuditEntry.id,
        columns=(
            Column("at", _l("When"), AuditEntry.at, Kind.DATETIME, sortable=True),
            Column("actor", _l("Who"), AuditEntry.actor_label, text=_actor),
            Column("action", _l("Action"), AuditEntry.action, Kind.CODE, namespace=AUDIT_ACTION),
            Column("order", _l("Order"), Order.number, href=_order_link),
            # A system's note is a code with its data (the timeline's way); a person's reason stays as typed.
            Column("note", _l("Reason or note"), AuditEntry.note, text=_note),
        ),
        search=(Order.number, AuditEntry.actor_label, AuditEntry.note, AuditEntry.action, AuditEntry.entity),
        filters=(
            Filter("order", _l("Order id"), AuditEntry.order_id, FilterKind.ID),
            Filter("user", _l("User"), AuditEntry.actor_id, FilterKind.ID, options=_staff),
            Filter("at", _l("Period"), AuditEntry.at, FilterKind.DATE_RANGE),
        ),
        group_bys=(
            GroupBy("action", _l("Action"), AuditEntry.action, filter="action", namespace=AUDIT_ACTION),
            GroupBy("user", _l("Who"), AuditEntry.actor_id, text=AuditEntry.actor_label, filter="user"),
        ),
        default_sort="-id",
        carry={"order_id": AuditEntry.order_id, "actor_id": AuditEntry.actor_id, "after": AuditEntry.after},
    )
