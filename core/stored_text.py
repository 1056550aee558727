"""Sentences kept in the database to be read later, in the reader's language.

A sentence a job or a service writes down for later (an import's row errors and
warnings) is stored as its catalogue message and its values, never as text in
the language of whoever caused it: ``stored("product %(code)s does not exist",
code="P9")`` is ``{"msgid": ..., "params": {...}}``, and :func:`shown` (also the
Jinja filter ``shown``) translates it when a page or the API answers. A value
may itself be such a sentence. Text stored before, or typed by a person, is a
plain string and shows as it is.

``stored`` is a catalogue keyword (scripts/translations.sh), so its messages are
extracted like ``gettext``'s.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import gettext

StoredText = dict[str, Any]


def stored(msgid: str, **params: Any) -> StoredText:
    """A sentence to translate when it is read: its catalogue message and its (JSON) values."""
    return {"msgid": msgid, "params": params}


def is_stored(value: object) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("msgid"), str)


def shown(value: object) -> str:
    """A stored sentence in the current locale; a plain string as it is; nothing as ''."""
    if value is None:
        return ""
    if not is_stored(value):
        return str(value)
    assert isinstance(value, Mapping)
    params = {key: shown(item) if is_stored(item) else item for key, item in (value.get("params") or {}).items()}
    return gettext(value["msgid"], **params)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["shown"] = shown
