"""Alembic wiring: one migration branch for the core and one per plugin.

``ordo db upgrade`` upgrades every branch (``heads``). A plugin's branch lives
in ``migrations/versions/<plugin>`` for the bundled plugins and in the folder
its manifest names (an absolute path) for third-party ones. ``-x plugin=<name>``
limits autogenerate to that plugin's tables:

- the first revision of a branch::

    ordo db -x plugin=NAME revision --autogenerate --branch-label NAME \
        --version-path FOLDER --head base --rev-id NAME_0001 -m "NAME tables"

  then set ``depends_on = "core_0001"`` in it, so the core's tables come first;
- later revisions: ``ordo db -x plugin=NAME revision --autogenerate --head NAME@head -m "..."``.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import with_appcontext
import flask_migrate.cli as migrate_cli
from flask_migrate import upgrade as _upgrade
from sqlalchemy import Table

from core.extensions import Model, db, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def version_locations() -> list[str]:
    registry = current_app.extensions["ordo.plugins"]
    locations = [MIGRATIONS / "versions" / "core"]
    for manifest in registry.manifests.values():
        folder = Path(manifest.migrations) if manifest.migrations else MIGRATIONS / "versions" / manifest.name
        if folder.is_dir():
            locations.append(folder)
    return [str(path) for path in locations]


@migrate.configure
def _configure_branches(config):
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(version_locations()))
    return config


def table_owners() -> dict[str, str]:
    """Which plugin (or "core") owns each mapped table, from the module of its model."""
    registry = current_app.extensions["ordo.plugins"]
    packages = {m.hooks.rpartition(".")[0] or m.hooks: m.name for m in registry.manifests.values()}
    owners: dict[str, str] = {}
    for mapper in Model.registry.mappers:
        module = mapper.class_.__module__
        owner = "core" if module.startswith("core.") else next(
            (name for package, name in packages.items() if module == package or module.startswith(package + ".")),
            "unknown",
        )
        for table in mapper.tables:
            owners[table.name] = owner
    for table in db.metadata.tables.values():
        owners.setdefault(table.name, "core")  # association tables of the core (user_role)
    return owners


def include_object_for(plugin: str | None) -> Callable:
    """An Alembic ``include_object`` that keeps one owner's tables, for per-branch autogenerate."""
    owners = table_owners()

    def include(obj, name, type_, reflected, compare_to) -> bool:
        if plugin is None:
            return True
        table = obj if isinstance(obj, Table) else getattr(obj, "table", None)
        if table is None:
            return True
        return owners.get(table.name, "core" if reflected else "unknown") == plugin

    return include


@click.command("upgrade")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it")
@click.option("--tag", default=None)
@click.argument("revision", default="heads")
@with_appcontext
def upgrade(sql: bool, tag: str | None, revision: str) -> None:
    """Upgrade every branch (the core and each plugin) to its newest revision."""
    _upgrade(g.directory, revision, sql, tag, g.x_arg)


def db_group() -> click.Group:
    """Flask-Migrate's ``db`` group, with ``upgrade`` defaulting to all heads."""
    group = click.Group(
        name="db",
        help="Database migrations (Alembic): one branch for the core and one per plugin.",
        commands={**migrate_cli.db.commands, "upgrade": upgrade},
        params=list(migrate_cli.db.params),
        callback=migrate_cli.db.callback,
    )
    return group
