"""Refuse, before any view or form reads it, a request whose text no column can hold.

A NUL byte, a lone surrogate or bytes that are not UTF-8 (an over-long form such as
``%C0%AF``, an encoded surrogate such as ``%ED%A0%80``) in the path, a query or form
parameter, or a JSON string would otherwise reach the database (PostgreSQL refuses NUL
in text, neither database can encode a surrogate) or a decoder, and answer 500. They
are refused here with a 400 that names the parameter: problem+json for the API, the
error page otherwise.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask_babel import gettext as _

from core.errors import ValidationError

UNREADABLE = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded",)


def unreadable(value: bytes) -> bool:
    """Whether these bytes are not UTF-8 text a column can hold (strict UTF-8 refuses over-long forms
    and encoded surrogates), or hold a NUL byte."""
    try:
        return UNREADABLE in value.decode("utf-8")
    except UnicodeDecodeError:
        return True


def unreadable_text(value: str) -> bool:
    """Whether a decoded text holds a NUL or a lone surrogate."""
    if UNREADABLE in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def query_refusal(query: bytes) -> str | None:
    """The name of the first parameter of a query string (or urlencoded body) that is unreadable."""
    for pair in query.split(b"&"):
        if not pair:
            continue
        raw_name, _sep, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        if unreadable(name) or unreadable(value):
            return _readable_name(name)
    return None


def json_refusal(document: Any, path: str = "") -> str | None:
    """The dotted path of the first JSON key or string value holding a NUL or a lone surrogate."""
    for where, value in _json_strings(document, path):
        if unreadable_text(value):
            return where or "body"
    return None


def _json_strings(document: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(document, str):
        yield path, document
    elif isinstance(document, dict):
        for key, value in document.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _json_strings(value, where)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _json_strings(value, f"{path}[{index}]")


def _readable_name(name: bytes) -> str:
    return name.decode("utf-8", "replace").replace(UNREADABLE, "\ufffd")


def request_refusal() -> str | None:
    """The parameter of this request that is unreadable (``path`` for the path itself), or None."""
    path = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    if unreadable(path):
        return "path"
    found = query_refusal(request.query_string)
    if found is not None:
        return found
    if request.mimetype in FORM_TYPES:
        return query_refusal(request.get_data(cache=True))
    if request.mimetype == "multipart/form-data":  # fields are decoded leniently: only a NUL remains
        return next((name for name, value in request.form.items(multi=True) if unreadable_text(value)), None)
    if request.is_json:
        return json_refusal(request.get_json(silent=True))
    return None


def refuse_unreadable_text() -> None:
    """A before_request: the 400 for an unreadable parameter."""
    name = request_refusal()
    if name is not None:
        raise ValidationError(_("%(name)s: contains a NUL byte or text that is not valid UTF-8.", name=name),
                              field=name)


def configure_request_text(app: Flask) -> None:
    """Run the check before every other before_request (CSRF's reads the form), but the URL length's."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unreadable_text)
