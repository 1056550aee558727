"""``ordo logistics sweep``: flag the plans that can no longer make their promised date, as of a moment."""
from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint

from core.cli_params import AS_OF
from core.db import unit_of_work
from core.jobs import companies_using
from core.models import utcnow
from plugins.logistics.incidents import sweep

bp = Blueprint("logistics_cli", __name__, cli_group="logistics")


@bp.cli.command("sweep")
@AS_OF
def sweep_command(as_of: datetime | None) -> None:
    """Compare each confirmed plan with its promised date, in every company using logistics; --as-of a moment."""
    with unit_of_work():
        now = as_of or utcnow()
        done = [f"{company.code}: {result}" for company in companies_using("logistics")
                if (result := sweep.sweep(company, now))]
    click.echo("; ".join(done) or "every plan can make its date")
