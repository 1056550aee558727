"""Per-company module settings: which plugins are switched on, changed at run time."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, case, exists, false, func, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute

from core import audit
from core.companies import seed_roles
from core.contracts import Stage
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.models import Company, ModuleSetting, Order, OrderModule, OrderStatus, User
from core.plugins import HookSubset, Manifest, registry
from core.session_memo import recalled, remember, remembered


@dataclass(frozen=True)
class ModuleState:
    manifest: Manifest
    enabled: bool  # what the administrator chose
    active: bool  # enabled and every dependency active
    missing: tuple[str, ...]  # dependencies that keep an enabled module inactive


def _chosen(company_id: int) -> dict[str, bool]:
    rows = db.session.execute(
        select(ModuleSetting.module, ModuleSetting.enabled).where(ModuleSetting.company_id == company_id)
    )
    return {module: enabled for module, enabled in rows}


def _enabled(company_id: int) -> frozenset[str]:
    # Asked by every hook call of a page: read once per unit of work (core.session_memo).
    return remembered(("modules.enabled", company_id), lambda: _read_enabled(company_id),
                      tables=(ModuleSetting.__tablename__,))


def _read_enabled(company_id: int) -> frozenset[str]:
    chosen = _chosen(company_id)
    return frozenset(m.name for m in registry().modules if chosen.get(m.name, m.default_enabled))


def active_modules(company_id: int) -> frozenset[str]:
    """The modules that take part in the company's hook calls right now."""
    return registry().effective(_enabled(company_id))


def module_states(company_id: int) -> list[ModuleState]:
    enabled = _enabled(company_id)
    active = registry().effective(enabled)
    return [
        ModuleState(
            manifest=m,
            enabled=m.name in enabled or m.required,
            active=m.name in active,
            missing=tuple(dep for dep in m.depends if dep not in active),
        )
        for m in registry().manifests.values()
    ]


def set_enabled(company: Company, name: str, enabled: bool, *, actor: User | None) -> ModuleState:
    """Switch a module on or off for a company; orders in flight keep their pinned set."""
    manifest = registry().manifests.get(name)
    if manifest is None:
        raise NotFound(_("no plugin named %(name)s is installed", name=repr(name)), field="name")
    if manifest.required:
        raise ValidationError(_("%(name)s is required and cannot be switched off", name=name), field="name")
    before = _enabled(company.id)
    if enabled:
        inactive = [dep for dep in manifest.depends if dep not in active_modules(company.id)]
        if inactive:
            raise ValidationError(
                _("%(name)s needs %(modules)s switched on first", name=name, modules=", ".join(inactive)),
                field="name"
            )
    setting = db.session.execute(
        select(ModuleSetting).where(ModuleSetting.company_id == company.id, ModuleSetting.module == name)
    ).scalar_one_or_none()
    if setting is None:
        setting = ModuleSetting(company_id=company.id, module=name, enabled=enabled)
        db.session.add(setting)
    setting.enabled = enabled
    setting.changed_by_id = actor.id if actor else None
    if enabled:
        seed_roles(company)  # a plugin installed after the company was made brings its grants
    audit.record(
        company_id=company.id,
        entity="module",
        entity_id=None,
        action="module_enabled" if enabled else "module_disabled",
        actor=actor,
        before={"module": name, "enabled": name in before},
        after={"module": name, "enabled": enabled},
    )
    db.session.flush()
    return next(state for state in module_states(company.id) if state.manifest.name == name)


OPEN_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED,
                 OrderStatus.DELIVERED)


def pin_modules(order: Order, modules: Iterable[str]) -> None:
    """Pin exactly ``modules`` on the order (at submission; again at a resubmission)."""
    wanted = set(modules)
    order.module_rows = [row for row in order.module_rows if row.module in wanted] + [
        OrderModule(module=name) for name in sorted(wanted - {row.module for row in order.module_rows})
    ]


# What the modules in use are read from: a write to any of them forgets them.
IN_USE_TABLES = (ModuleSetting.__tablename__, OrderModule.__tablename__, Order.__tablename__)


def modules_in_use(company_id: int) -> frozenset[str]:
    """The company's active modules plus those pinned on its orders still in flight.

    A module switched off keeps its pages, API and inbox tasks until the last
    order that started with it is finished, so no order is stranded. Read
    with the request's user (``ModuleColumns``), or else in one query; once per
    unit of work (``core.session_memo``): every page's inbox count, and the
    plugins it calls, share the answer until the module settings, an order or
    its pinned modules are written.
    """
    return remembered(("modules.in_use", company_id), lambda: _read_in_use(company_id), tables=IN_USE_TABLES)


def _read_in_use(company_id: int) -> frozenset[str]:
    known = recalled(("modules.enabled", company_id))
    if known is not None:
        active = registry().effective(known)
        switched_off = [name for name in registry().manifests if name not in active]
        return _in_use(known, _pinned_on_open_orders(company_id, switched_off))
    # Neither known yet: the company's choices and, for every module that may be switched off, whether an open
    # order pins it, in one statement (the same columns the signed-in user is read with, ``ModuleColumns``).
    columns = ModuleColumns(literal(company_id))
    return columns.remember(company_id, db.session.execute(select(*columns.columns)).one())


def _in_use(enabled: frozenset[str], pinned: Iterable[str]) -> frozenset[str]:
    active = registry().effective(enabled)
    # An order pins the modules active at its submission, their dependencies with them.
    return active | registry().effective(active | {name for name in pinned if name not in active})


class ModuleColumns:
    """What ``modules_in_use`` reads, as columns to select beside something else (the request's user).

    The company's module settings as one string, then for each module that may be switched off whether an
    open order of the company pins it: a request that reads its user with these knows its modules too.
    """

    def __init__(self, company_id: ColumnElement[int] | InstrumentedAttribute[int]) -> None:
        self.optional = [m.name for m in registry().manifests.values() if not m.required]
        flag = case((ModuleSetting.enabled, "1"), else_="0")
        settings = (select(func.aggregate_strings(ModuleSetting.module + ":" + flag, ","))
                    .where(ModuleSetting.company_id == company_id).scalar_subquery())
        self.columns: list[ColumnElement[Any]] = [
            settings, *(_pinned_on_open_order(company_id, name) for name in self.optional)]

    def remember(self, company_id: int, values: Sequence[Any]) -> frozenset[str]:
        """Keep what the columns said as the company's modules for this unit of work; the modules in use."""
        written, *pins = values
        chosen = {module: flag == "1" for module, _colon, flag in
                  (item.partition(":") for item in (written.split(",") if written else ()))}
        enabled = remember(("modules.enabled", company_id),
                           frozenset(m.name for m in registry().modules if chosen.get(m.name, m.default_enabled)),
                           tables=(ModuleSetting.__tablename__,))
        return remember(("modules.in_use", company_id),
                        _in_use(enabled, (name for name, pinned in zip(self.optional, pins, strict=True) if pinned)),
                        tables=IN_USE_TABLES)


def _pinned_on_open_order(company_id: int | ColumnElement[int] | InstrumentedAttribute[int],
                          name: str) -> ColumnElement[bool]:
    return exists().where(OrderModule.module == name, OrderModule.order_id == Order.id,
                          Order.company_id == company_id, Order.status.in_(OPEN_STATUSES))


def _pinned_on_open_orders(company_id: int, names: list[str]) -> set[str]:
    """Which of ``names`` some open order of the company has pinned: one EXISTS each, in one statement."""
    if not names:
        return set()
    checks = [select(literal(name)).where(_pinned_on_open_order(company_id, name)) for name in names]
    return set(db.session.execute(union_all(*checks) if len(checks) > 1 else checks[0]).scalars())


def pinned(stage: Stage | str) -> ColumnElement[bool]:
    """SQL: the order carries this stage (or module) in its pinned set.

    For queries over many orders (inbox tasks, lists): the stage's own orders
    are selected by the database, never filtered in Python.
    """
    name = registry().stage_plugin(stage) if isinstance(stage, Stage) else stage
    if name is None:
        return false()  # no plugin owns the stage: no order carries it
    return exists().where(OrderModule.order_id == Order.id, OrderModule.module == name)


def hooks_for_company(company_id: int) -> HookSubset:
    """Hooks of the modules switched on for the company now (menus, inbox, pages)."""
    return registry().hooks_for(active_modules(company_id))


def hooks_for_order(order: Order) -> HookSubset:
    """Hooks of the modules pinned on the order, or the company's current set for a draft."""
    if order.pinned_modules is None:
        return hooks_for_company(order.company_id)
    return registry().hooks_for(order.pinned_modules)


def order_has_stage(order: Order, stage: Stage) -> bool:
    """Whether the plugin owning ``stage`` was pinned on the order (or is active, for a draft)."""
    name = registry().stage_plugin(stage)
    if name is None:
        return False
    pinned = order.pinned_modules if order.pinned_modules is not None else active_modules(order.company_id)
    return name in pinned


def company_has_stage(company_id: int, stage: Stage) -> bool:
    name = registry().stage_plugin(stage)
    return name is not None and name in active_modules(company_id)
