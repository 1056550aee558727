"""The JSON API under /api/v1: flask-smorest, token auth, problem+json errors.

flask-smorest validates requests with marshmallow schemas and generates the
OpenAPI document from those same schemas, so the document cannot drift from
what the API accepts.
"""
from __future__ import annotations

import http
from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from flask import current_app, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from core.api.controls import control_errors
from core.api.fields import decimal2properties
from core.api.problems import PROBLEM_JSON, from_http_exception
from core.web import http_error_message, render_error


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser with a ``multipart`` location: a form's fields and its files in one schema.

    A file upload with options (an import's file, mapping and flags) is one
    ``multipart/form-data`` body; webargs reads its fields (``form``) and its
    files (``files``) as two locations, OpenAPI documents it as one request body.
    """

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}
    # Bad input is a client error the caller must fix: 400, as the contract says.
    DEFAULT_VALIDATION_STATUS = 400

    def pre_load(self, location_data: Any, *, schema: ma.Schema, req: Any, location: str) -> Any:
        """Refuse control characters in any text field before the schema loads it (``core.api.controls``)."""
        errors = control_errors(schema, location_data)
        if errors:
            raise ma.ValidationError(errors)
        return location_data

    def load_multipart(self, req: Any, schema: ma.Schema) -> MultiDictProxy:
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint with the ``multipart`` location of :class:`ArgumentsParser`."""

    ARGUMENTS_PARSER = ArgumentsParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


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
    permissions = ma.fields.List(ma.fields.String(), metadata={
        "description": "on a 403: the permission codes any one of which would do",
        "example": ["billing.view"]})
    errors = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "one entry per field at fault: {field, message}",
        "example": [{"field": "lines[0].quantity", "message": "Not a valid number."}]})
    duplicates = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "on a 409 for a possible duplicate order: the orders it may repeat, each with its link; "
                       "send confirm_duplicate: true to save it anyway",
        "example": [{"id": 10, "number": "SO20261201-0001", "status": "draft", "href": "/api/v1/orders/10"}]})


# The errors any operation may answer, as problem+json: bad input (400), no or a bad token (401),
# a missing permission (403), an unknown row or a module switched off (404), a lost race or a
# state that forbids the action (409), a body or URL over the limits (413, 414), too many
# attempts (429), a database busy past its timeout (503). Validation is 400, never 422; a route whose
# stored record can fail business checks (intake's submit) declares its own 422.
ERROR_STATUSES = (
    http.HTTPStatus.BAD_REQUEST, http.HTTPStatus.UNAUTHORIZED, http.HTTPStatus.FORBIDDEN, http.HTTPStatus.NOT_FOUND,
    http.HTTPStatus.CONFLICT, http.HTTPStatus.REQUEST_ENTITY_TOO_LARGE, http.HTTPStatus.REQUEST_URI_TOO_LONG,
    http.HTTPStatus.TOO_MANY_REQUESTS, http.HTTPStatus.SERVICE_UNAVAILABLE,
)


class ErrorResponses(BasePlugin):
    """apispec plugin: every operation, of the core and of every plugin, declares ``ERROR_STATUSES``.

    One place instead of an ``alt_response`` on each route; a route that documents
    one of these statuses itself keeps its own.
    """

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            declared = {str(code) for code in responses}
            for status in ERROR_STATUSES:
                if str(status.value) not in declared:
                    responses[str(status.value)] = status.name  # a component of OrdoApi._register_responses


class OrdoApi(Api):
    """flask-smorest's Api with problem+json errors for the API and HTML errors for pages.

    Every operation declares the errors it may answer (``ErrorResponses``) rather
    than a catch-all ``default``, so a status the document does not name is a fault
    a fuzzer finds; decimals are documented as the strings they are (``decimal2properties``).
    """

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *, spec_kwargs=None):
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), ErrorResponses()]
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.ma_plugin.converter.add_attribute_function(decimal2properties)

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
        error = _not_found_for_any_method(error)
        if is_api_request():
            return from_http_exception(error)
        return render_error(error.code or 500, http_error_message(error))


def _not_found_for_any_method(error: HTTPException) -> HTTPException:
    """A 405 whose path names no row for any method is a 404.

    Werkzeug answers 405 when another method's rule has the same shape, even if
    the id in the path is out of range for every one of them (``PATCH
    /orders/0``): no method could succeed, so the resource does not exist.
    """
    if not isinstance(error, MethodNotAllowed):
        return error
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in error.valid_methods or ():
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return error
    return NotFound()


__all__ = ["API_PREFIX", "ERROR_STATUSES", "ApiBlueprint", "OrdoApi", "ProblemSchema", "is_api_request"]
