"""Errors that services raise and that views and the API turn into responses."""
from __future__ import annotations

from typing import Any


class OrdoError(Exception):
    """A business error with a message fit to show the user."""

    status = 400
    title = "Bad Request"

    def __init__(self, message: str, *, field: str | None = None,
                 errors: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Several problems at once, each ``{field, message, ...}``; and members the problem+json adds.
        self.errors = errors
        self.extra = extra


class ValidationError(OrdoError):
    status = 400
    title = "Bad Request"


class Unprocessable(OrdoError):
    """The request is well formed but the record fails the business checks it must pass (422)."""

    status = 422
    title = "Unprocessable Content"


class AuthenticationFailed(OrdoError):
    status = 401
    title = "Unauthorized"


class PermissionDenied(OrdoError):
    """The caller lacks a permission; ``permissions`` names the codes that would do (the message, their labels)."""

    status = 403
    title = "Forbidden"

    def __init__(self, message: str, *, field: str | None = None, permissions: tuple[str, ...] = ()) -> None:
        super().__init__(message, field=field)
        self.permissions = permissions


class NotFound(OrdoError):
    status = 404
    title = "Not Found"


class Conflict(OrdoError):
    """The record changed under the caller, or its state forbids the action."""

    status = 409
    title = "Conflict"


class Unavailable(OrdoError):
    """The database is busy (a lock held too long); the same request may succeed in a moment."""

    status = 503
    title = "Service Unavailable"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransitionError(Conflict):
    """The order's status does not allow this event."""


class PluginError(RuntimeError):
    """A plugin cannot be loaded: missing dependency, cycle, unknown hook."""
