"""The plugin manager: discovery, dependency order, validation and subset hook callers.

Bundled and third-party plugins arrive the same way, as entry points in the
group ``ordo.plugins`` that point at a :class:`Manifest`. Which plugins take
part in a hook call is decided here, never inside hook implementations: order
events go to the modules pinned on the order, everything else to the modules
switched on for the company.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import current_app

from core import hookspecs
from core.contracts import Stage
from core.errors import PluginError

ENTRY_POINT_GROUP = "ordo.plugins"


@dataclass(frozen=True)
class Manifest:
    """What a plugin is, as data: loaded without importing the plugin's code."""

    name: str
    version: str
    hooks: str  # module holding the hook implementations
    stage: Stage | None = None
    depends: tuple[str, ...] = ()
    blueprints: tuple[str, ...] = ()  # "module:attribute" of portal blueprints
    api_blueprints: tuple[str, ...] = ()  # "module:attribute" of flask-smorest blueprints
    migrations: str | None = None  # folder of this plugin's Alembic branch
    required: bool = False  # cannot be switched off (intake is how orders enter)
    default_enabled: bool = False  # switched on for companies that never chose
    # What people read on the modules page, lazily translated (``lazy_gettext``); the name when empty.
    label: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def discover() -> list[Manifest]:
    """Load every manifest declared in the ``ordo.plugins`` entry-point group."""
    manifests = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        manifest = point.load()
        if not isinstance(manifest, Manifest):
            raise PluginError(f"entry point {point.name!r} does not point at a Manifest")
        if manifest.name != point.name:
            raise PluginError(
                f"entry point {point.name!r} loads the manifest of {manifest.name!r}; the names must match"
            )
        manifests.append(manifest)
    return manifests


def dependency_order(manifests: Iterable[Manifest]) -> list[Manifest]:
    """Sort manifests so that each comes after what it depends on."""
    by_name: dict[str, Manifest] = {}
    for manifest in manifests:
        if manifest.name in by_name:
            raise PluginError(f"plugin {manifest.name!r} is declared twice")
        by_name[manifest.name] = manifest
    owners: dict[Stage, str] = {}
    for manifest in by_name.values():
        if manifest.stage is not None:
            if manifest.stage in owners:
                raise PluginError(f"plugins {owners[manifest.stage]!r} and {manifest.name!r} both own the "
                                  f"{manifest.stage.value} stage; uninstall one of them")
            owners[manifest.stage] = manifest.name
        for needed in manifest.depends:
            if needed not in by_name:
                raise PluginError(
                    f"plugin {manifest.name!r} depends on {needed!r}, which is not installed"
                )
    ordered: list[Manifest] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name):] + [name]
            raise PluginError("plugin dependency cycle: " + " -> ".join(cycle))
        state[name] = "visiting"
        for needed in by_name[name].depends:
            visit(needed, path + [name])
        state[name] = "done"
        ordered.append(by_name[name])

    for name in sorted(by_name):
        visit(name, [])
    return ordered


class HookSubset:
    """The hook relay restricted to some plugins, like ``pm.hook`` but filtered."""

    def __init__(self, pm: pluggy.PluginManager, excluded: frozenset[str]) -> None:
        self._pm = pm
        self._excluded = [pm.get_plugin(name) for name in sorted(excluded) if pm.has_plugin(name)]

    def __getattr__(self, hook_name: str) -> Any:
        if not hasattr(self._pm.hook, hook_name):
            raise AttributeError(f"no hook named {hook_name!r}")
        caller = self._pm.subset_hook_caller(hook_name, remove_plugins=self._excluded)
        setattr(self, hook_name, caller)
        return caller


class PluginRegistry:
    """The loaded plugins of one app, in dependency order, and their hook callers."""

    def __init__(
        self,
        manifests: Sequence[Manifest],
        *,
        essentials: Sequence[tuple[str, object]] = (),
        fallbacks: Mapping[Stage, tuple[str, object]] | None = None,
    ) -> None:
        """Register the core's own plugins and the manifests' hook modules.

        :param essentials: ``(name, plugin)`` pairs that take part in every call.
        :param fallbacks: per stage, the ``(name, plugin)`` that takes part in a
            call exactly when no plugin owning that stage does.
        """
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.manifests: dict[str, Manifest] = {m.name: m for m in dependency_order(manifests)}
        for name, plugin in essentials:
            self.pm.register(plugin, name=name)
        self._fallback_names: dict[Stage, str] = {}
        for stage, (name, plugin) in (fallbacks or {}).items():
            self.pm.register(plugin, name=name)
            self._fallback_names[stage] = name
        for manifest in self.manifests.values():
            try:
                module = importlib.import_module(manifest.hooks)
            except ImportError as error:
                raise PluginError(f"plugin {manifest.name!r}: cannot import {manifest.hooks!r}: {error}") from error
            self.pm.register(module, name=manifest.name)
        self.check_pending()
        self._subsets: dict[frozenset[str], HookSubset] = {}

    def check_pending(self) -> None:
        """Fail start-up on a hook implementation that matches no spec (a misspelt hook)."""
        for hook_name in dir(self.pm.hook):
            if hook_name.startswith("_"):
                continue
            caller = getattr(self.pm.hook, hook_name)
            if caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if not impl.opts.get("optionalhook"):
                    raise PluginError(
                        f"plugin {impl.plugin_name!r} implements {hook_name!r}, "
                        "which is not an Ordo hook (misspelt?)"
                    )
        self.pm.check_pending()

    # --- which modules take part ---------------------------------------

    @property
    def modules(self) -> list[Manifest]:
        """Plugins a company can switch on and off."""
        return [m for m in self.manifests.values() if not m.required]

    def stage_plugin(self, stage: Stage) -> str | None:
        for manifest in self.manifests.values():
            if manifest.stage == stage:
                return manifest.name
        return None

    def effective(self, enabled: Iterable[str]) -> frozenset[str]:
        """The enabled modules whose dependencies are active too, plus required plugins."""
        wanted = set(enabled) | {m.name for m in self.manifests.values() if m.required}
        active: set[str] = set()
        for manifest in self.manifests.values():  # dependency order: deps decided first
            if manifest.name in wanted and all(dep in active for dep in manifest.depends):
                active.add(manifest.name)
        return frozenset(active)

    def stages_of(self, active: Iterable[str]) -> frozenset[Stage]:
        active = set(active)
        return frozenset(
            m.stage for m in self.manifests.values() if m.stage is not None and m.name in active
        )

    def hooks_for(self, active: Iterable[str]) -> HookSubset:
        """A hook caller for exactly these modules plus the core and the fallbacks they need."""
        active_set = self.effective(active)
        excluded = {name for name in self.manifests if name not in active_set}
        present = self.stages_of(active_set)
        excluded |= {name for stage, name in self._fallback_names.items() if stage in present}
        key = frozenset(excluded)
        subset = self._subsets.get(key)
        if subset is None:
            subset = self._subsets[key] = HookSubset(self.pm, key)
        return subset

    @property
    def all_hooks(self) -> Any:
        """Every registered plugin, enabled or not (permissions, roles)."""
        return self.pm.hook

    def hooks_implemented(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        return sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])


def registry() -> PluginRegistry:
    """The current app's plugin registry."""
    return current_app.extensions["ordo.plugins"]
