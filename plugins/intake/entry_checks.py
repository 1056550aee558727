"""Where the checks speak on the order form: beside their fields, as the clerk types and when the form is saved.

The checks themselves are ``plugins.intake.checks`` (a date in the past, a price under the floor, the
customer's credit hold through the ``customer_credit_hold`` hook, ...) and ``plugins.intake.duplicates``;
this module only runs them on what the form holds and says which input each message belongs to.
It reads and never writes: the order it checks for duplicates is a transient one, never added to the session.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import flash
from wtforms import FieldList

from core.entry.forms import Quote, field_at, filled_rows
from core.extensions import db
from core.models import Company, Customer, Order, OrderLine, Product, utcnow
from plugins.intake import checks, duplicates
from plugins.intake.checks import Problem


@dataclass(frozen=True)
class EnteredRow:
    """A quoted row of the line table as the checks read a line (``checks.EnteredLine``)."""

    product: Product
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class Finding:
    """One check's message for one input of the form (its id), and whether it blocks or asks a confirmation."""

    input_id: str
    message: str
    severity: str

    def as_json(self) -> dict[str, str]:
        return {"message": self.message, "severity": self.severity}


def place_on_form(form: Any, problems: Iterable[Problem], show_prices: bool) -> None:
    """Put each problem's message beside its field of the order form, as the field's own errors are.

    A price problem goes beside the line's product for whoever does not see the price column; a problem
    the form has no field for (the lines of a draft someone who may not see prices cannot edit) is flashed.
    """
    for problem in problems:
        path = problem.field
        if not show_prices and path.endswith(".unit_price"):
            path = path.removesuffix(".unit_price") + ".product_id"
        field = field_at(form, path)
        if field is None:
            flash(problem.message, "error")
        else:
            field.errors = [*field.errors, problem.message]


def live_findings(company: Company, *, customer_id: int | None, requested_date: date | None,
                  received_at: datetime | None, source_reference: str | None, rows: FieldList, figures: Quote,
                  show_prices: bool, order_id: int | None = None) -> list[Finding]:
    """The checks of the order being entered, each with the id of the input it belongs to (the live quote).

    Only what is entered is checked: the customer once picked, the lines once quoted, the date once
    valid. ``order_id`` is the draft being edited, which is no duplicate of itself.
    """
    customer = db.session.get(Customer, customer_id) if customer_id is not None else None
    quoted = [(row, row.form.product_id.resolved()) for row in filled_rows(rows) if row.name in figures.unit_prices]
    entered = [(row, EnteredRow(product, row.form.quantity.data, figures.unit_prices[row.name]))
               for row, product in quoted if product is not None]
    lines = [line for _row, line in entered]
    found = [Finding(_input_id(problem.field, [row for row, _line in entered], show_prices), problem.message,
                     problem.severity.value)
             for problem in checks.check_entry(company, customer, requested_date, lines)]
    if customer is not None and lines:
        found.extend(_duplicate_findings(company, customer, lines, received_at, source_reference, order_id))
    return found


def _input_id(path: str, rows: Sequence[Any], show_prices: bool) -> str:
    """The id of the input a problem's path names: ``lines[1].unit_price`` is the second checked row's."""
    head, _, rest = path.partition("[")
    if head != "lines" or not rest:
        return path
    index, _, name = rest.partition("].")
    if not index.isdigit() or int(index) >= len(rows):
        return path
    if name == "unit_price" and not show_prices:
        name = "product_id"
    form = rows[int(index)].form
    return str(form[name].id) if name in form else str(form.product_id.id)


def _duplicate_findings(company: Company, customer: Customer, lines: Sequence[EnteredRow],
                        received_at: datetime | None, source_reference: str | None,
                        order_id: int | None) -> list[Finding]:
    """The orders this one may repeat, beside its source reference when that is what they share, else beside
    the customer."""
    entered = Order(id=order_id, company_id=company.id, customer_id=customer.id,
                    received_at=received_at or utcnow(), source_reference=source_reference or None,
                    lines=[OrderLine(product_id=line.product.id, quantity=line.quantity) for line in lines])
    others = duplicates.unconfirmed(entered)
    if not others:
        return []
    same_reference = bool(source_reference) and any(other.source_reference == source_reference for other in others)
    return [Finding("source_reference" if same_reference else "customer_id",
                    duplicates.DuplicateSuspected(entered, others).message, checks.Severity.WARNING.value)]
