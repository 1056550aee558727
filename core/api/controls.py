"""The API's refusal of control characters in text, for every schema at once.

``ArgumentsParser.pre_load`` runs :func:`control_errors` on what a request sends
before its schema loads it: every ``String`` field (nested schemas and lists
included) refuses the control characters ``core.untrusted_text`` names, and a
field of several lines (its name ends in one of ``MULTILINE_ENDINGS``, or its
metadata says ``multiline``) also takes newlines. A password, hashed and never
shown, is not checked. The answer is a 400 naming each field at fault.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from core.untrusted_text import control_refusal

# The last word of the names of fields that hold several lines: as the forms' text areas.
MULTILINE_ENDINGS = frozenset({"address", "notes", "note", "reason", "requirements", "reservations",
                               "description", "message", "body", "comment", "holidays", "missing"})


def multiline(name: str, field: ma.fields.Field) -> bool:
    """Whether a text field may hold several lines."""
    return bool(field.metadata.get("multiline")) or name.rsplit("_", 1)[-1] in MULTILINE_ENDINGS


def control_errors(schema: ma.Schema, data: Any) -> dict[str, Any]:
    """marshmallow-shaped messages for each text field of ``data`` that holds a refused control character."""
    if not isinstance(data, Mapping):
        return {}
    errors: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if field.dump_only or "password" in name:  # a password is hashed, never shown: any character may be in it
            continue
        key = field.data_key or name
        if key not in data:
            continue
        found = _field_errors(name, field, data[key])
        if found:
            errors[key] = found
    return errors


def _field_errors(name: str, field: ma.fields.Field, value: Any) -> Any:
    if isinstance(field, ma.fields.String) and isinstance(value, str):
        refusal = control_refusal(value, multiline(name, field))
        return [refusal] if refusal else None
    if isinstance(field, ma.fields.List) and isinstance(value, list):
        inner = {index: found for index, item in enumerate(value)
                 if (found := _field_errors(name, field.inner, item))}
        return inner or None
    if isinstance(field, ma.fields.Nested) and isinstance(field.schema, ma.Schema):
        if field.many and isinstance(value, list):
            nested = {index: found for index, item in enumerate(value)
                      if (found := control_errors(field.schema, item))}
            return nested or None
        return control_errors(field.schema, value) or None
    return None
