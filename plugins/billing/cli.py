"""``ordo billing``: billing's jobs, each run once from the command line: ``statements`` and ``dunning``; and
``open-items check``, which reads only.

One group for the plugin: two blueprints naming the same ``cli_group`` would each replace the other's.
"""
from __future__ import annotations

from flask import Blueprint

from plugins.billing.collection.cli import dunning_command
from plugins.billing.receivables.cli import open_items_group
from plugins.billing.statements.cli import statements_command

bp = Blueprint("billing_cli", __name__, cli_group="billing")
bp.cli.add_command(statements_command)
bp.cli.add_command(dunning_command)
bp.cli.add_command(open_items_group)
