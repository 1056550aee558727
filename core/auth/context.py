"""Who is acting: the portal's signed-in user or the API's token holder."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Response, after_this_request, current_app, g
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import services as auth_services
from core.errors import PermissionDenied
from core.extensions import db
from core.labels import PERMISSION, label
from core.models import User, utcnow

P = ParamSpec("P")
R = TypeVar("R")


def bearer_user(plain: str) -> User | None:
    """The user an API token acts for; its use is recorded after the response, every few minutes at most.

    The stamp is written on a connection of its own once the response is closed, so a
    read stays a read and the request's transaction never holds the token row.
    """
    token = auth_services.live_token(plain)
    if token is None:
        return None
    now, every = utcnow(), timedelta(minutes=current_app.config["ORDO_TOKEN_TOUCH_MINUTES"])
    if auth_services.use_is_due(token, now, every):
        engine, token_id = db.engine, token.id

        @after_this_request
        def record_after_closing(response: Response) -> Response:
            response.call_on_close(lambda: auth_services.record_use(engine, token_id, now, every))
            return response

    return token.user


def current_actor() -> User | None:
    """The authenticated user of this request, from a bearer token or the session."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if current_user and current_user.is_authenticated:
        user: User = current_user._get_current_object()
        return user
    return None


def require_actor() -> User:
    actor = current_actor()
    if actor is None:
        raise PermissionDenied(_("sign in first"))
    return actor


def check(user: User, permission: str) -> None:
    if not user.can(permission):
        raise _denied((permission,))


def _denied(permissions: tuple[str, ...]) -> PermissionDenied:
    """The refusal, naming what is missing as people know it: the permissions' labels."""
    names = [label(permission, PERMISSION) for permission in permissions]
    if len(names) == 1:
        return PermissionDenied(_("you need the permission “%(permission)s” for this", permission=names[0]),
                                permissions=permissions)
    return PermissionDenied(_("you need one of the permissions %(permissions)s for this",
                              permissions=", ".join(f"“{name}”" for name in names)), permissions=permissions)


VIEW_PRICES = "order.view_prices"


def sees_prices(user: User | None) -> bool:
    """Whether ``user`` may see and set amounts: prices, totals, credit limits, invoices, payments.

    Every page, API answer and document asks this one question (``order.view_prices``);
    nobody at all (a job, the CLI) counts as not seeing them.
    """
    return user is not None and user.can(VIEW_PRICES)


def holds(user: User, permission: str | tuple[str, ...] | None) -> bool:
    """Whether ``user`` holds the permission (or, for a tuple, any one of them)."""
    if permission is None:
        return True
    options = (permission,) if isinstance(permission, str) else permission
    return any(user.can(option) for option in options)


def requires(permission: str | tuple[str, ...] | None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a page or API handler: the caller must hold ``permission``.

    A tuple means any one of the permissions. Pages and API use the same check;
    an anonymous caller is refused too.
    """

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            user = require_actor()
            if permission is not None and not holds(user, permission):
                raise _denied((permission,) if isinstance(permission, str) else permission)
            return view(*args, **kwargs)

        # Read by tests/test_roles_routes.py to list every route's permission. Python
        # functions take attributes; typing has no way to declare one on a function.
        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate
