"""``ordo import orders FILE --mapping NAME``: import an e-commerce export or an order file."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import OrdoError
from core.extensions import db
from core.models import Company, User
from core.stored_text import shown
from core.tabular import read_table
from plugins.intake import imports, mappings

bp = Blueprint("intake_cli", __name__, cli_group="import")


@bp.cli.command("orders")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_name", required=True,
              help=f"the column mapping of the file: {', '.join(sorted(mappings.BUILT_IN))}, or one the company saved")
@click.option("--company", "company_code", default=None, help="the company's code (needed when there are several)")
@click.option("--username", required=True, help="the clerk the orders are entered as")
@click.option("--submit", is_flag=True, help="submit the good orders instead of leaving them as drafts")
def import_orders_command(file: Path, mapping_name: str, company_code: str | None, username: str,
                          submit: bool) -> None:
    """Import the orders of FILE (CSV in UTF-8 or GB18030, or .xlsx) and print a summary."""
    companies = list(db.session.execute(
        select(Company).where(Company.code == company_code) if company_code else select(Company)).scalars())
    if len(companies) != 1:
        raise click.ClickException(_("no company %(code)s", code=company_code) if company_code else
                                   _("there are several companies: give --company"))
    company = companies[0]
    actor = db.session.execute(select(User).where(User.company_id == company.id,
                                                  User.username == username)).scalar_one_or_none()
    if actor is None:
        raise click.ClickException(_("no user %(name)s in company %(code)s", name=username, code=company.code))
    mapping = mappings.resolve(company.id, mapping_name)
    if mapping is None:
        raise click.ClickException(_("there is no mapping %(name)s; the company has %(names)s", name=mapping_name,
                                     names=", ".join(known.name for known in mappings.available(company.id))))
    data = file.read_bytes()
    try:
        table = read_table(file.name, data)
        with click.progressbar(length=len(table) - 1, label=_("Importing %(name)s", name=file.name)) as bar:
            result = imports.import_table(company, table, mapping, actor, submit=submit, progress=bar.update)
    except OrdoError as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(_("%(rows)s rows, %(created)s orders created (%(submitted)s submitted), %(already)s already "
                 "imported, %(errors)s errors", rows=result.rows, created=len(result.created),
                 submitted=result.submitted, already=len(result.already_imported), errors=len(result.errors)))
    for warning in result.warnings:
        click.echo(_("warning: %(warning)s", warning=shown(warning)))
    for row_error in result.errors:
        click.echo(_("row %(row)s, column %(column)s: %(reason)s", row=row_error.row, column=row_error.column,
                     reason=shown(row_error.reason)))
    if result.already_imported:
        click.echo(_("already imported: %(refs)s", refs=", ".join(result.already_imported)))
