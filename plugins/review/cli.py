"""``ordo review ...``: the sweep of late steps, and the dry-run of an order's review."""
from __future__ import annotations

from datetime import datetime

import click
from flask import Blueprint
from sqlalchemy import or_, select

from core.cli_params import AS_OF
from core.db import discard, unit_of_work
from core.extensions import db
from core.jobs import companies_using
from core.labels import label
from core.models import Company, Order, utcnow
from plugins.review import services, sweep

bp = Blueprint("review_cli", __name__, cli_group="review")


@bp.cli.command("sweep")
@AS_OF
def sweep_command(as_of: datetime | None) -> None:
    """Remind and escalate the review steps past their limit, in every company using review."""
    with unit_of_work():
        now = as_of or utcnow()
        done = [f"{company.code}: {result}" for company in companies_using("review")
                if (result := sweep.sweep(company, now))]
    click.echo("; ".join(done) or "nothing is late")


@bp.cli.command("dry-run")
@click.argument("order")
@click.option("--company", "company_code", default=None, help="the company's code, when numbers repeat")
def dry_run(order: str, company_code: str | None) -> None:
    """Show what every rule and step would say about ORDER (its number or id); nothing is decided or written."""
    query = select(Order).where(or_(Order.number == order, Order.id == (int(order) if order.isdigit() else -1)))
    if company_code:
        query = query.join(Company, Company.id == Order.company_id).where(Company.code == company_code)
    found = list(db.session.execute(query).scalars())
    if len(found) != 1:
        raise click.ClickException(f"no order {order}" if not found else
                                   f"order {order} exists in several companies: give --company")
    planned = services.plan(found[0])
    click.echo(f"order {found[0].display_number}")
    for step in planned.steps:
        click.echo(f"step {step.sequence} {step.department}: {step.policy.value}"
                   f"{f' {step.quorum}' if step.policy.value == 'quorum' else ''}, {step.hours} working hours")
        for finding in planned.findings_of(step.department):
            click.echo(f"  {finding.severity.value} {finding.verdict.value} {finding.rule}: "
                       f"{', '.join(finding.reason_codes)} {label(finding.rule, 'rule')}")
    if not planned.steps:
        click.echo("no step: the order would be approved at once")
    if planned.rejected:
        click.echo("the rules would reject the order")
    discard()  # a dry-run: whatever a rule touched is not kept
