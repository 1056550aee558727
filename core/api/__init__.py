"""The JSON API under /api/v1: flask-smorest, token auth, problem+json errors.

flask-smorest validates requests with marshmallow schemas and generates the
OpenAPI document from those same schemas, so the document cannot drift from
what the API accepts.
"""
from __future__ import annotations

from flask import request
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import HTTPException

from core.api.problems import from_http_exception

# Bad input is a client error the caller must fix: 400, as the contract says.
ApiBlueprint.ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS = 400

API_PREFIX = "/api/v1"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


class OrdoApi(Api):
    """flask-smorest's Api with problem+json errors for the API and HTML errors for pages."""

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        if is_api_request():
            return from_http_exception(error)
        from core.portal import render_error

        return render_error(error.code or 500, error.description or error.name)


__all__ = ["API_PREFIX", "ApiBlueprint", "OrdoApi", "is_api_request"]
