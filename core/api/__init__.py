"""The JSON API under /api/v1: flask-smorest, token auth, problem+json errors.

flask-smorest validates requests with marshmallow schemas and generates the
OpenAPI document from those same schemas, so the document cannot drift from
what the API accepts.
"""
from __future__ import annotations

import http
from typing import Any

import marshmallow as ma
from flask import request
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from core.api.problems import PROBLEM_JSON, from_http_exception
from core.web import render_error

# Bad input is a client error the caller must fix: 400, as the contract says.
ApiBlueprint.ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS = 400

API_PREFIX = "/api/v1"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


class ProblemSchema(ma.Schema):
    """An error, as RFC 9457 application/problem+json."""

    type = ma.fields.String(metadata={"example": "about:blank"})
    title = ma.fields.String(metadata={"example": "Bad Request"})
    status = ma.fields.Integer(metadata={"example": 400})
    detail = ma.fields.String(metadata={"example": "lines[0].quantity: Not a valid number."})
    instance = ma.fields.String(metadata={"example": "/api/v1/orders"})
    errors = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "one entry per field at fault: {field, message}",
        "example": [{"field": "lines[0].quantity", "message": "Not a valid number."}]})


class OrdoApi(Api):
    """flask-smorest's Api with problem+json errors for the API and HTML errors for pages."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # As flask-smorest's own, but the error responses are documented as problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        if is_api_request():
            return from_http_exception(error)
        return render_error(error.code or 500, error.description or error.name)


__all__ = ["API_PREFIX", "ApiBlueprint", "OrdoApi", "ProblemSchema", "is_api_request"]
