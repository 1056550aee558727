"""``ordo billing open-items check``: whether every invoice's open items add up to what it owes and say
rightly when it was settled."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.jobs import companies_using
from plugins.billing.receivables import open_items

@click.group("open-items")
def open_items_group() -> None:
    """The open items receivables and ageing are summed from."""


@open_items_group.command("check")
@with_appcontext
def check_command() -> None:
    """List each invoice whose open items do not add up to its balance, or whose ``settled_on`` is not the
    day its rows came to nothing, in every company using billing; exit 1 if there is one. Reads only."""
    wrong = 0
    for company in companies_using("billing"):
        for invoice_id, posted, owed in open_items.differences(company.id):
            wrong += 1
            click.echo(f"{company.code}: invoice {invoice_id}: open items {posted}, balance {owed}")
        for invoice_id, found, expected in open_items.settled_differences(company.id):
            wrong += 1
            click.echo(f"{company.code}: invoice {invoice_id}: settled on {found or '-'}, "
                       f"its rows say {expected or '-'}")
    if wrong:
        raise click.ClickException(f"{wrong} invoice(s) whose open items do not add up or say wrongly when "
                                   "they were settled")
    click.echo("the open items add up to every invoice's balance and say when it was settled")
