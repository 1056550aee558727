"""Schemathesis hooks for scripts/fuzz.sh: hostile text in every string parameter.

Besides what schemathesis generates from the document, each query parameter and
each top-level string of a JSON body may end in a NUL byte or a control
character, and a JSON body's string in a lone surrogate (sent as the JSON
escape ``\\ud800``). The API must answer them with a 400 it declares, never a 500.
Over-long UTF-8 and a surrogate in a query cannot travel in a Python string
through the HTTP client (it would percent-encode them again); the unit test of
the request parsing (tests/core/test_request_text.py) sends those raw.
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

QUERY_ENDINGS = ("\x00", "\x07", "\x1b[31m", "\x85")
BODY_ENDINGS = (*QUERY_ENDINGS, "\ud800")


def _with_hostile_ending(values: Any, endings: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """The values as generated, or with one of their strings given a hostile ending."""
    if not isinstance(values, dict):
        return st.just(values)
    keys = sorted(key for key, value in values.items() if isinstance(value, str))
    if not keys:
        return st.just(values)
    spoiled = st.tuples(st.sampled_from(keys), st.sampled_from(endings)).map(
        lambda chosen: {**values, chosen[0]: values[chosen[0]] + chosen[1]})
    return st.one_of(st.just(values), spoiled)


@schemathesis.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    return _with_hostile_ending(query, QUERY_ENDINGS)


def _json_only(context: Any) -> bool:
    """Whether every body the operation takes is JSON (a multipart body cannot encode a surrogate)."""
    operation = getattr(context, "operation", None)
    return operation is not None and all("json" in body.media_type for body in operation.body)


def _linkable(body: Any) -> bool:
    """Whether the stateful phase may fill one of the body's fields from an earlier answer (an ``..._id``).

    Schemathesis then validates the body again against its schema with a validator that encodes the
    strings as UTF-8, and stops on a lone surrogate with a UnicodeEncodeError of its own: such a body keeps
    the other hostile endings. Every other JSON body still gets the surrogate; the app refuses one in any
    JSON body before a view reads it (core.request_text, tested in tests/core/test_request_text.py).
    """
    return isinstance(body, dict) and any(isinstance(key, str) and key.endswith("_id") for key in body)


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    surrogate = _json_only(context) and not _linkable(body)
    return _with_hostile_ending(body, BODY_ENDINGS if surrogate else QUERY_ENDINGS)
