"""Who is acting: the portal's signed-in user or the API's token holder."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import g
from flask_login import current_user

from core.errors import PermissionDenied
from core.models import User

F = TypeVar("F", bound=Callable[..., Any])


def current_actor() -> User | None:
    """The authenticated user of this request, from a bearer token or the session."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


def require_actor() -> User:
    actor = current_actor()
    if actor is None:
        raise PermissionDenied("sign in first")
    return actor


def check(user: User, permission: str) -> None:
    if not user.can(permission):
        raise PermissionDenied(f"you need the permission {permission!r} for this")


def requires(permission: str | None) -> Callable[[F], F]:
    """Decorate a page or API handler: the caller must hold ``permission``.

    Pages and API use the same check; an anonymous caller is refused too.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = require_actor()
            if permission is not None:
                check(user, permission)
            return view(*args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
