"""``ordo stock check``: whether every balance row equals the sum of its moves. Reads only."""
from __future__ import annotations

import click
from flask import Blueprint
from flask.cli import with_appcontext
from sqlalchemy import select

from core.extensions import db
from core.models import Company
from plugins.stock import ledger

bp = Blueprint("stock_cli", __name__, cli_group="stock")


@bp.cli.command("check")
@with_appcontext
def check_command() -> None:
    """List each balance (warehouse, product) that its moves do not add up to, in every company (one
    that switched stock off keeps its ledger); exit 1 if there is one."""
    wrong = 0
    for company in db.session.execute(select(Company).order_by(Company.id)).scalars():
        for found in ledger.mismatches(company.id):
            wrong += 1
            lot = f", lot {found.lot_id}" if found.lot_id is not None else ""
            click.echo(f"{company.code}: warehouse {found.warehouse_id}, product {found.product_id}{lot}: "
                       f"balance (on hand, reserved, quarantine) {_three(found.balance)}, "
                       f"moves {_three(found.ledger)}")
    if wrong:
        raise click.ClickException(f"{wrong} balance(s) that the moves do not add up to")
    click.echo("every stock balance equals the sum of its moves")


def _three(values: tuple) -> str:
    return ", ".join(str(value) for value in values)
