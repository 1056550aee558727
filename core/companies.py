"""Creating companies with their roles and default grants, and their users."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.contracts import Permission, RoleSpec
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.models import Company, Role, RolePermission, User
from core.plugins import registry


def all_permissions() -> list[Permission]:
    """Every permission of every installed plugin, enabled or not, sorted by name."""
    found: dict[str, Permission] = {}
    for contribution in registry().all_hooks.ordo_permissions():
        for permission in contribution:
            found.setdefault(permission.name, permission)
    return sorted(found.values(), key=lambda p: p.name)


def all_roles() -> list[RoleSpec]:
    found: dict[str, RoleSpec] = {}
    for contribution in registry().all_hooks.ordo_roles():
        for role in contribution:
            found.setdefault(role.name, role)
    return list(found.values())


def create_company(code: str, name: str, *, actor: User | None = None) -> Company:
    """A company with the built-in and plugin roles, each granted its default permissions."""
    code = code.strip().upper()
    if not code:
        raise ValidationError(_("a company needs a code"), field="code")
    if db.session.execute(select(Company).where(Company.code == code)).scalar_one_or_none():
        raise Conflict(_("company %(code)s already exists", code=code), field="code")
    company = Company(code=code, name=name)
    db.session.add(company)
    db.session.flush()
    seed_roles(company)
    audit.record(company_id=company.id, entity="company", entity_id=company.id,
                 action="company_created", actor=actor, after={"code": code, "name": name})
    return company


def seed_roles(company: Company) -> None:
    """Add missing roles, and the default grants of permissions no role holds yet.

    Run when a company is created and when a module is switched on, so that a
    plugin installed later brings its roles and grants to existing companies.
    A permission some role already holds is left as the administrator set it.
    """
    existing = {role.name: role for role in db.session.execute(
        select(Role).where(Role.company_id == company.id)).scalars()}
    held = {permission for role in existing.values() for permission in role.permissions}
    permissions = [permission for permission in all_permissions() if permission.name not in held]
    for spec in all_roles():
        role = existing.get(spec.name)
        if role is None:
            role = Role(company_id=company.id, name=spec.name, label=str(spec.label))
            db.session.add(role)
            existing[spec.name] = role
        granted = role.permissions
        for permission in permissions:
            wanted = spec.name == "administrator" or spec.name in permission.default_roles
            if wanted and permission.name not in granted:
                role.grants.append(RolePermission(permission=permission.name))
    db.session.flush()


def create_user(
    company: Company,
    *,
    username: str,
    password: str,
    name: str,
    roles: Iterable[str] = (),
    email: str | None = None,
    customer_id: int | None = None,
    superior_id: int | None = None,
    actor: User | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise ValidationError(_("a user needs a username"), field="username")
    if len(password) < 8:
        raise ValidationError(_("the password needs at least 8 characters"), field="password")
    if db.session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise Conflict(_("the username %(username)s is taken", username=username), field="username")
    user = User(company_id=company.id, username=username, name=name or username,
                email=email, customer_id=customer_id, superior_id=superior_id)
    user.set_password(password)
    user.roles = roles_by_name(company.id, roles)
    db.session.add(user)
    db.session.flush()
    audit.record(company_id=company.id, entity="user", entity_id=user.id, action="user_created",
                 actor=actor, after={"username": username, "roles": sorted(roles)})
    return user


def roles_by_name(company_id: int, names: Iterable[str]) -> list[Role]:
    names = set(names)
    roles = list(db.session.execute(
        select(Role).where(Role.company_id == company_id, Role.name.in_(names))).scalars())
    unknown = names - {role.name for role in roles}
    if unknown:
        raise ValidationError(_("unknown role: %(roles)s", roles=", ".join(sorted(unknown))), field="roles")
    return roles


def company_by_code(code: str) -> Company | None:
    return db.session.execute(select(Company).where(Company.code == code.strip().upper())).scalar_one_or_none()


def update_user(user: User, *, roles: Iterable[str], active: bool, name: str,
                email: str | None, superior_id: int | None, actor: User | None) -> User:
    """Change a user's roles, status and details; an administrator cannot lock themselves out."""
    roles = set(roles)
    if actor is not None and user.id == actor.id and ("administrator" not in roles or not active):
        raise ValidationError(_("you cannot remove your own administrator role or deactivate yourself"),
                              field="roles")
    if superior_id == user.id:
        raise ValidationError(_("a user cannot be their own superior"), field="superior_id")
    before = {"roles": user.role_names, "active": user.active, "name": user.name}
    user.roles = roles_by_name(user.company_id, roles)
    user.active, user.name, user.email, user.superior_id = active, name, email, superior_id
    audit.record(company_id=user.company_id, entity="user", entity_id=user.id, action="user_updated",
                 actor=actor, before=before,
                 after={"roles": sorted(roles), "active": active, "name": name})
    return user


def set_role_permissions(role: Role, permissions: Iterable[str], *, actor: User | None) -> Role:
    """Grant exactly ``permissions`` to ``role``; unknown names are refused."""
    wanted = set(permissions)
    known = {p.name for p in all_permissions()}
    unknown = wanted - known
    if unknown:
        raise ValidationError(_("unknown permission: %(permissions)s", permissions=", ".join(sorted(unknown))),
                              field="permissions")
    before = sorted(role.permissions)
    role.grants[:] = [g for g in role.grants if g.permission in wanted]
    for name in sorted(wanted - role.permissions):
        role.grants.append(RolePermission(permission=name))
    audit.record(company_id=role.company_id, entity="role", entity_id=role.id, action="role_permissions_set",
                 actor=actor, before={"permissions": before}, after={"permissions": sorted(wanted)})
    return role
