"""``ordo kpi``: the kpi plugin's commands, each a job run once: ``report`` (the monthly supervision report).

One group for the plugin: two blueprints naming the same ``cli_group`` would each replace the other's.
"""
from __future__ import annotations

from flask import Blueprint

from plugins.kpi.supervision.cli import report_command

bp = Blueprint("kpi_cli", __name__, cli_group="kpi")
bp.cli.add_command(report_command)
