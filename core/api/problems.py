"""Errors as RFC 9457 ``application/problem+json``, naming the field at fault."""
from __future__ import annotations

from typing import Any

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

from core.errors import OrdoError

PROBLEM_JSON = "application/problem+json"


def flatten_messages(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn marshmallow's nested messages into ``[{field, message}]`` with dotted paths."""
    errors: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if prefix == "" and key in {"json", "query", "form", "files", "multipart", "headers", "path", "view_args"}:
                errors.extend(flatten_messages(value, ""))
                continue
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix or "body"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            errors.extend(flatten_messages(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        errors.extend({"field": prefix or "body", "message": m} for m in messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            errors.extend(flatten_messages(value, f"{prefix}[{index}]"))
    else:
        errors.append({"field": prefix or "body", "message": str(messages)})
    return errors


def problem(status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def from_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else []
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    else:
        detail = data.get("message") or error.description or error.name
    return problem(error.code or 500, error.name, detail, errors, data.get("headers"))


def from_ordo_error(error: OrdoError) -> Response:
    errors = error.errors or ([{"field": error.field, "message": error.message}] if error.field else None)
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    # A refusal names the permission codes for integrators; its detail names their labels for people.
    permissions = getattr(error, "permissions", ())
    extra = {**({"permissions": list(permissions)} if permissions else {}), **(error.extra or {})}
    return problem(error.status, error.title, error.message, errors, headers, extra or None)
