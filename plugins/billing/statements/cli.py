"""``ordo billing statements``: make the statements whose statement day has ended, once, as of a moment."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from core.cli_params import AS_OF
from core.db import unit_of_work
from core.jobs import companies_using
from core.models import utcnow
from plugins.billing.statements import run



@click.command("statements")
@with_appcontext
@AS_OF
def statements_command(as_of: datetime | None) -> None:
    """Make and send each customer's statement whose statement day has ended, in every company using billing;
    --as-of a moment. Run it twice: the second makes none."""
    with unit_of_work():
        now = as_of or utcnow()
        done = [f"{company.code}: {result}" for company in companies_using("billing")
                if (result := run.run(company, now))]
    click.echo("; ".join(done) or "no statement to make")
