"""Password login with throttling, portal sessions that can be ended, and API tokens stored as digests."""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Engine, Select, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Load, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit
from core.auth import throttle
from core.errors import AuthenticationFailed, OrdoError, ValidationError
from core.extensions import db
from core.models import ApiToken, LoginAttempt, RolePermission, User, user_role, utcnow
from core.models.users import PASSWORD_HASH_METHOD
from core.modules import ModuleColumns

TOKEN_PREFIX = "ordo_"

log = logging.getLogger(__name__)


class Throttled(OrdoError):
    status = 429
    title = "Too Many Requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def authenticate(username: str, password: str, *, remote_addr: str | None, now: datetime | None = None) -> User:
    """Check a username and password, as the login throttle allows (``core.auth.throttle``).

    Too many recent failures from this address slow it down (429, ``Throttled`` with
    the seconds to wait); they never stop the right password from another address.
    """
    username = (username or "").strip()
    if not username or not password:
        raise ValidationError(_("enter your username and password"), field="username")
    now, address = now or utcnow(), throttle.address_key(remote_addr)
    admitted = throttle.admit(db.engine, username, address, now=now,
                              policy=throttle.Policy.from_config(current_app.config))
    if isinstance(admitted, throttle.Refusal):
        raise _throttled(admitted, username)
    user = _verified(db.session.execute(select(User).where(User.username == username)).scalar_one_or_none(),
                     password)
    if user is None:
        _log_attempt(username, address, now, succeeded=False)
        raise AuthenticationFailed(_("wrong username or password"))
    throttle.succeeded(db.engine, admitted)
    _log_attempt(username, address, now, succeeded=True)
    return user


def _verified(user: User | None, password: str) -> User | None:
    """``user`` if they are active and ``password`` is theirs; at the same cost when there is no such user.

    An unknown username is checked against a dummy hash of the configured method, so
    how long the answer takes does not tell which usernames exist.
    """
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) and user.active else None


def _dummy_hash() -> str:
    # Made once per app and hash method, on the first login that needs it.
    method = current_app.config.get("ORDO_PASSWORD_HASH_METHOD", PASSWORD_HASH_METHOD)
    hashes: dict[str, str] = current_app.extensions.setdefault("ordo.dummy_password_hash", {})
    if method not in hashes:
        hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return hashes[method]


def _throttled(refusal: throttle.Refusal, username: str) -> Throttled:
    minutes = math.ceil(refusal.retry_after / 60)
    if refusal.whole_address:
        message = ngettext("too many failed logins from your address; try again in %(num)d minute",
                           "too many failed logins from your address; try again in %(num)d minutes", minutes)
    else:
        message = ngettext("too many failed logins for %(username)s from your address; try again in %(num)d minute",
                           "too many failed logins for %(username)s from your address; "
                           "try again in %(num)d minutes", minutes, username=username)
    return Throttled(message, retry_after=refusal.retry_after)


def _log_attempt(username: str, address: str, now: datetime, *, succeeded: bool) -> None:
    # On a connection of its own, like the throttle's counts: the error that answers a
    # failed login rolls the request back, and a success is a success whatever follows.
    with db.engine.begin() as connection:
        connection.execute(
            insert(LoginAttempt).values(username=username, remote_addr=address, succeeded=succeeded, at=now)
        )


def session_user(session_id: str) -> User | None:
    """The active user a portal session names, while its session version is still the user's.

    Logout, a new password and deactivation move the version on (``User.end_sessions``),
    which ends every session signed in before, on every device.
    """
    user_id, _colon, version = session_id.partition(":")
    if not (user_id.isdecimal() and version.isdecimal()):
        return None  # a session from before versions, or not one of ours
    user = active_user(int(user_id))
    return user if user is not None and user.session_version == int(version) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, *, actor: User | None = None) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("name the token after what will use it"), field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(company_id=user.company_id, user_id=user.id, name=name,
                     digest=_digest(plain), prefix=plain[:12])
    db.session.add(token)
    db.session.flush()
    audit.record(company_id=user.company_id, entity="api_token", entity_id=token.id,
                 action="token_created", actor=actor or user, after={"name": name, "user": user.username})
    return plain, token


def _with_permissions(user: Any) -> tuple[Any, ...]:
    """Loader options for the signed-in user: the company along, the roles only if a page asks for them.

    ``User.can`` reads the permissions as one narrow query of names (once per request): the roles and
    every grant as entities, joined in, made a row per grant, and the ORM's work on 40 rows was a third
    of a small API request.
    """
    return (user.joinedload(User.company), user.lazyload(User.roles))


# Permission names never hold a newline: the permissions of a user come back as one column, joined by it.
_SEPARATOR = "\n"


def _permission_names(user_id: Any) -> Any:
    """SQL: the names of every permission the user's roles grant, as one string (the column beside the user)."""
    return (select(func.aggregate_strings(RolePermission.permission, _SEPARATOR))
            .join(user_role, user_role.c.role_id == RolePermission.role_id)
            .where(user_role.c.user_id == user_id).scalar_subquery())


def _known_permissions(user: User, names: str | None) -> None:
    # What ``User.can`` would read, read already: kept for the request's unit of work (core.session_memo).
    user.know_permissions(frozenset(names.split(_SEPARATOR)) if names else frozenset())


def active_user(user_id: int) -> User | None:
    """An active user with company, permissions and the company's modules in use, in one statement (the
    portal's session user)."""
    modules, statement = _statements()["session_user"]
    found = db.session.execute(statement, {"user_id": user_id}).one_or_none()
    if found is None or not found[0].active:
        return None
    _known_permissions(found[0], found[1])
    modules.remember(found[0].company_id, found[2:])
    return found[0]


def live_token(plain: str) -> ApiToken | None:
    """The unrevoked token of an active user that ``plain`` is, with the user, company, permissions and the
    company's modules in use, in one statement: what nearly every API request asks first."""
    modules, statement = _statements()["token"]
    found = db.session.execute(statement, {"digest": _digest(plain)}).one_or_none()
    if found is None or not found[0].user.active:
        return None
    _known_permissions(found[0].user, found[1])
    modules.remember(found[0].company_id, found[2:])
    return found[0]


def _statements() -> dict[str, tuple[ModuleColumns, Select[Any]]]:
    """The two statements every request starts with, built once per app with their parameters bound late.

    Building them (a dozen subqueries) and working out their cache key took most of an authenticated
    request's time; the same statement object keeps its cache key, so each request only executes it.
    The modules they read are the app's plugins', fixed once the app is built.
    """
    built = current_app.extensions.get(_STATEMENTS)
    if built is None:
        by_user, by_token = ModuleColumns(User.company_id), ModuleColumns(ApiToken.company_id)
        built = current_app.extensions[_STATEMENTS] = {
            "session_user": (by_user, select(User, _permission_names(User.id), *by_user.columns)
                             .where(User.id == bindparam("user_id"))
                             .options(*_with_permissions(Load(User)))),
            "token": (by_token, select(ApiToken, _permission_names(ApiToken.user_id), *by_token.columns)
                      .where(ApiToken.digest == bindparam("digest"), ApiToken.revoked_at.is_(None))
                      .options(*_with_permissions(joinedload(ApiToken.user)))),
        }
    return built


_STATEMENTS = "ordo.auth.statements"


def use_is_due(token: ApiToken, now: datetime, every: timedelta) -> bool:
    """Whether the token's last recorded use is older than ``every``; more often is not recorded."""
    return token.last_used_at is None or token.last_used_at <= now - every


def record_use(engine: Engine, token_id: int, now: datetime, every: timedelta) -> None:
    """Stamp the token's use in a short transaction of its own, apart from any request's.

    The UPDATE is conditional, so several workers that saw the same stale stamp write it
    once. Losing a stamp (the database busy) is harmless: it is logged, not raised.
    """
    try:
        with engine.begin() as connection:
            connection.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id,
                       or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - every))
                .values(last_used_at=now)
            )
    except SQLAlchemyError:
        log.warning("could not record the use of API token %s", token_id, exc_info=True)


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).scalar_one_or_none()
    if token is None:
        raise ValidationError(_("token %(id)s does not exist", id=token_id), field="token_id")
    token.revoked_at = utcnow()
    audit.record(company_id=user.company_id, entity="api_token", entity_id=token.id,
                 action="token_revoked", actor=user)
