"""Users, roles, permission grants, API tokens, login attempts and the login throttle's counters."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint, event, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import Model, db
from core.models.types import UTCDateTime, utcnow
from core.session_memo import forget_all, remember, remembered

if TYPE_CHECKING:
    from core.models.company import Company
    from core.models.masterdata import Customer

user_role = Table(
    "user_role",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)

PASSWORD_HASH_METHOD = "scrypt"  # production's, unless ORDO_PASSWORD_HASH_METHOD says otherwise


class Role(Model):
    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120))
    grants: Mapped[list[RolePermission]] = relationship(
        back_populates="role", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def permissions(self) -> set[str]:
        return {grant.permission for grant in self.grants}


class RolePermission(Model):
    __tablename__ = "role_permission"
    __table_args__ = (UniqueConstraint("role_id", "permission"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), index=True)
    permission: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = relationship(back_populates="grants")


class User(Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    superior_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Carried in every portal session (see get_id); moving it on ends them all.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    # Loaded when asked for: a user comes along with most rows (a task's assignee, a decision's author) and
    # only a few pages show roles; ``permissions`` reads the names in one narrow query without them. A list
    # of users that shows or checks roles loads them with ``selectinload(User.roles)``.
    roles: Mapped[list[Role]] = relationship(secondary=user_role, lazy="select")
    company: Mapped[Company] = relationship(lazy="joined")
    customer: Mapped[Customer | None] = relationship()
    superior: Mapped[User | None] = relationship(remote_side=[id])

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        # What the portal's session stores: the user loader accepts it only while the
        # version is still the user's (core.auth.services.session_user).
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """End every portal session of this user, on every device; API tokens are not touched."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        """Store a new password; the sessions signed in with the old one end."""
        method = current_app.config.get("ORDO_PASSWORD_HASH_METHOD", PASSWORD_HASH_METHOD)
        self.password_hash = generate_password_hash(password, method=method)
        self.end_sessions()

    @validates("active")
    def _deactivating_ends_sessions(self, key: str, active: bool) -> bool:
        # Whatever deactivates a user (the admin page, a script), their sessions end
        # with it, so reactivating them later does not bring an old cookie back to life.
        if self.active and not active:
            self.end_sessions()
        return active

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def permissions(self) -> frozenset[str]:
        # Asked for every row a page or an answer shows (may this user see its price?): worked
        # out once per unit of work, see core.session_memo; a change of roles or grants forgets it.
        return remembered(("permissions", self), self._permissions, tables=PERMISSION_TABLES)

    def know_permissions(self, names: frozenset[str]) -> None:
        """Keep ``names`` as the user's permissions for this unit of work: read along with the user."""
        remember(("permissions", self), names, tables=PERMISSION_TABLES)

    def _permissions(self) -> frozenset[str]:
        state = inspect(self)
        if state.session is not None and state.persistent and "roles" not in state.dict:
            # The signed-in user's roles are not loaded (core.auth.services): their names, in one query.
            return frozenset(state.session.execute(
                select(RolePermission.permission).join(user_role, user_role.c.role_id == RolePermission.role_id)
                .where(user_role.c.user_id == self.id)).scalars())
        return frozenset(p for role in self.roles for p in role.permissions)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginAttempt(Model):
    """A log of password checks, failed and successful, with the address they came from.

    The throttle does not read it: it counts in ``LoginThrottle``.
    """

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class LoginThrottle(Model):
    """Recent failed logins of one key, counted by ``core.auth.throttle`` for every worker alike.

    A key is an address (``username`` empty: every account from there), an account
    (``address`` empty: from every address), or an account from one address.
    """

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Past this the row counts as new (and may be swept away).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# What a user's permissions are read from: a write to any of them forgets what was worked out.
PERMISSION_TABLES = (User.__tablename__, user_role.name, Role.__tablename__, RolePermission.__tablename__)


def _roles_changed(target: object, *_args: object) -> None:
    forget_all()


# A role given or taken, a permission granted or withdrawn: users' permissions are worked out afresh,
# even before the change is flushed.
for _collection in (User.roles, Role.grants):
    for _event in ("append", "remove", "bulk_replace"):
        event.listen(_collection, _event, _roles_changed)
event.listen(RolePermission.permission, "set", _roles_changed)
