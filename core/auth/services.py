"""Password login with throttling, and API tokens stored as digests."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from core import audit
from core.errors import AuthenticationFailed, OrdoError, ValidationError
from core.extensions import db
from core.models import ApiToken, LoginAttempt, User, utcnow

TOKEN_PREFIX = "ordo_"


class Throttled(OrdoError):
    status = 429
    title = "Too Many Requests"


def authenticate(username: str, password: str, *, remote_addr: str | None) -> User:
    """Check a username and password, refusing after too many recent failures."""
    username = (username or "").strip()
    if not username or not password:
        raise ValidationError(_("enter your username and password"), field="username")
    window = timedelta(minutes=current_app.config["ORDO_LOGIN_WINDOW_MINUTES"])
    failures = db.session.execute(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > utcnow() - window,
        )
    ).scalar_one()
    if failures >= current_app.config["ORDO_LOGIN_MAX_FAILURES"]:
        raise Throttled(
            _("too many failed logins for %(username)s; try again in %(minutes)s minutes",
              username=username, minutes=current_app.config["ORDO_LOGIN_WINDOW_MINUTES"])
        )
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not user.check_password(password):
        _remember_failure(username, remote_addr)
        raise AuthenticationFailed(_("wrong username or password"))
    db.session.add(LoginAttempt(username=username, remote_addr=remote_addr, succeeded=True))
    return user


def _remember_failure(username: str, remote_addr: str | None) -> None:
    # A failed login is answered with an error, which rolls the request back;
    # the failure must outlive that, so it is written on a connection of its own.
    with db.engine.begin() as connection:
        connection.execute(
            insert(LoginAttempt).values(
                username=username, remote_addr=remote_addr, succeeded=False, at=utcnow()
            )
        )


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


def user_for_token(plain: str) -> User | None:
    token = db.session.execute(
        select(ApiToken).where(ApiToken.digest == _digest(plain), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if token is None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).scalar_one_or_none()
    if token is None:
        raise ValidationError(_("token %(id)s does not exist", id=token_id), field="token_id")
    token.revoked_at = utcnow()
    audit.record(company_id=user.company_id, entity="api_token", entity_id=token.id,
                 action="token_revoked", actor=user)
