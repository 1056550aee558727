"""``ordo billing dunning``: dun the overdue invoices as of a moment, once; ``--dry-run`` only says what."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from core.cli_params import AS_OF
from core.db import unit_of_work
from core.jobs import companies_using
from core.models import utcnow
from plugins.billing.collection import dunning



@click.command("dunning")
@with_appcontext
@AS_OF
@click.option("--dry-run", is_flag=True, help="List the notices the run would send; change nothing.")
def dunning_command(as_of: datetime | None, dry_run: bool) -> None:
    """Send the dunning notices due in every company using billing, each invoice one level up at most, each
    notice once; --as-of a moment. Run it twice: the second sends none."""
    lines = []
    with unit_of_work():
        now = as_of or utcnow()
        for company in companies_using("billing"):
            if dry_run:
                outcome = dunning.run_dunning(company, now, dry_run=True)
                lines += [f"{company.code}: {plan.invoice_number} level {plan.level.level} "
                          f"({plan.level.channel.value}, {plan.days_overdue} days)" for plan in outcome.notices]
            elif result := dunning.run(company, now):
                lines.append(f"{company.code}: {result}")
    click.echo("\n".join(lines) or "no dunning notice due")
