"""``ordo kpi report``: make the monthly supervision report of the last month ended at ``--as-of``, once."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from core.cli_params import AS_OF
from core.db import unit_of_work
from core.jobs import companies_using
from core.models import utcnow
from plugins.kpi.supervision import monthly


@click.command("report")
@with_appcontext
@AS_OF
def report_command(as_of: datetime | None) -> None:
    """Make and store the supervision report of the last month ended at --as-of in every company using kpi,
    and tell its supervisors; run it twice: the second makes and sends nothing."""
    lines = []
    with unit_of_work():
        now = as_of or utcnow()
        for company in companies_using("kpi"):
            if result := monthly.run(company, now):
                lines.append(f"{company.code}: {result}")
    click.echo("\n".join(lines) or "no report to make")
