"""``ordo kpi``: the kpi plugin's commands: ``rebuild`` (the facts again from the audit log, as of a moment)
and ``report`` (the monthly supervision report, the job run once).

One group for the plugin: two blueprints naming the same ``cli_group`` would each replace the other's.
"""
from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint
from flask.cli import with_appcontext

from core.cli_params import AS_OF
from core.db import unit_of_work
from core.jobs import companies_using
from core.models import utcnow
from plugins.kpi.facts import rebuild
from plugins.kpi.supervision.cli import report_command

bp = Blueprint("kpi_cli", __name__, cli_group="kpi")
bp.cli.add_command(report_command)


@bp.cli.command("rebuild")
@with_appcontext
@AS_OF
def rebuild_command(as_of: datetime | None) -> None:
    """Delete the KPI facts of every company using kpi and rebuild them from the order events' audit entries up
    to --as-of (default: now). Run it twice: the second gives the same facts."""
    lines = []
    with unit_of_work():
        now = as_of or utcnow()
        for company in companies_using("kpi"):
            lines.append(f"{company.code}: {rebuild.rebuild(company.id, now)}")
    click.echo("\n".join(lines) or "no company uses kpi")
