"""The column mappings a company saves for the order files of one channel: saved, changed, deleted, audited.

A saved mapping names one header of the file for each field it imports: every
field of :data:`~plugins.intake.mappings.REQUIRED`, the optional ones as the
clerk likes, no field twice and no header twice. Its name is a lower-case code
(part of each imported order's source reference, ``<name>:<order id>``) that no
built-in mapping has; its label is kept as typed. Clerks who import keep the
mappings of their channels, so saving and deleting needs ``order.import``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from core import audit
from core.db import flush
from core.errors import NotFound, PermissionDenied, ValidationError
from core.extensions import db
from core.models import Channel, Company, User
from plugins.intake.mappings import BUILT_IN, FIELDS, REQUIRED
from plugins.intake.models import ImportJob, ImportMapping, ImportStatus

GENERIC = "generic"  # the built-in mapping an upload falls back to when its saved one is deleted

NAME = re.compile(r"[a-z][a-z0-9_-]*")
NAME_LENGTH = 64  # ImportMapping.name
LABEL_LENGTH = 200
HEADER_LENGTH = 200


def _require(actor: User) -> None:
    if not actor.can("order.import"):
        raise PermissionDenied(_("you may not import orders, so you may not keep their column mappings"),
                               permissions=("order.import",))


def find(company_id: int, name: str) -> ImportMapping | None:
    return db.session.execute(select(ImportMapping).where(ImportMapping.company_id == company_id,
                                                          ImportMapping.name == name)).scalar_one_or_none()


def _snapshot(row: ImportMapping) -> dict[str, Any]:
    return {"name": row.name, "label": row.label, "channel": row.channel.value, "columns": dict(row.columns)}


def problems(name: str, label: str, channel: Any, columns: Mapping[str, str]) -> list[dict[str, str]]:
    """Everything wrong with a mapping, each ``{"field", "message"}``; ``columns.<field>`` for a field's header."""
    found: list[dict[str, str]] = []

    def problem(field: str, message: str) -> None:
        found.append({"field": field, "message": message})

    if not name:
        problem("name", _("the mapping needs a name: a lower-case code such as wechat-shop"))
    elif len(name) > NAME_LENGTH:
        problem("name", _("the name is longer than %(max)s characters", max=NAME_LENGTH))
    elif not NAME.fullmatch(name):
        problem("name", _("the name %(name)s must be a lower-case code: a letter, then letters, digits, - or _",
                          name=repr(name)))
    elif name in BUILT_IN:
        problem("name", _("%(name)s is the name of a built-in mapping; choose another", name=name))
    if not label.strip():
        problem("label", _("the mapping needs a label, as it is shown in the list of mappings"))
    elif len(label) > LABEL_LENGTH:
        problem("label", _("the label is longer than %(max)s characters", max=LABEL_LENGTH))
    if not isinstance(channel, Channel):
        try:
            Channel(channel)
        except ValueError:
            problem("channel", _("%(channel)s is not a channel", channel=repr(channel)))
    for key in columns:
        if key not in FIELDS:
            problem(f"columns.{key}", _("%(field)s is not a field an import reads", field=repr(key)))
    for key in REQUIRED:
        if not (columns.get(key) or "").strip():
            problem(f"columns.{key}", _("choose the header that holds this field: every import needs it"))
    seen: dict[str, str] = {}
    for key in FIELDS:
        header = columns.get(key)
        if header is None:
            continue
        if header != header.strip() or (key not in REQUIRED and not header):
            problem(f"columns.{key}", _("the header must not be empty or start or end with spaces"))
        elif len(header) > HEADER_LENGTH:
            problem(f"columns.{key}", _("the header is longer than %(max)s characters", max=HEADER_LENGTH))
        elif header and header in seen:
            problem(f"columns.{key}", _("the header %(header)s already feeds another field",
                                        header=header))
        if header:
            seen.setdefault(header, key)
    return found


def save(company: Company, actor: User, *, name: str, label: str, channel: Any,
         columns: Mapping[str, str]) -> ImportMapping:
    """Create the company's mapping of that name, or change it; audited. Raises listing every problem.

    ``columns`` maps fields to headers exactly as the file spells them; a field left
    out (or empty, when optional) is not imported.
    """
    _require(actor)
    columns = {key: value for key, value in columns.items() if value or key in REQUIRED or key not in FIELDS}
    found = problems(name, label, channel, columns)
    if found:
        first = found[0]
        raise ValidationError(_("the mapping cannot be saved: %(problems)s",
                                problems="; ".join(item["message"] for item in found)),
                              field=first["field"], errors=found)
    row = find(company.id, name)
    before = None if row is None else _snapshot(row)
    if row is None:
        row = ImportMapping(company_id=company.id, name=name)
        db.session.add(row)
    row.label, row.channel, row.columns = label, Channel(channel), {key: columns[key] for key in FIELDS
                                                                   if key in columns}
    row.changed_by_id = actor.id
    flush()
    after = _snapshot(row)
    if after != before:
        audit.record(company_id=company.id, entity="intake_import_mapping", entity_id=row.id,
                     action="import_mapping_saved", actor=actor, before=before, after=after)
    return row


def delete(company: Company, actor: User, name: str) -> None:
    """Delete the company's mapping of that name; audited. Imports made with it keep their orders, and
    uploads still waiting for confirmation under it are previewed with the generic mapping instead."""
    _require(actor)
    row = find(company.id, name)
    if row is None:
        raise NotFound(_("there is no saved mapping %(name)s", name=name), field="mapping")
    audit.record(company_id=company.id, entity="intake_import_mapping", entity_id=row.id,
                 action="import_mapping_deleted", actor=actor, before=_snapshot(row))
    db.session.delete(row)
    db.session.execute(update(ImportJob).where(
        ImportJob.company_id == company.id, ImportJob.mapping == name, ImportJob.status == ImportStatus.UPLOADED,
    ).values(mapping=GENERIC))
    flush()
