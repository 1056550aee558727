"""The endpoints the order form's script calls: the type-ahead's matches and the line table's quote.

Both only read: the quote computes with the same Decimal code as a saved order and
writes nothing, so typing in the line table costs no database write.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from core import masterdata
from core.auth.context import require_actor, requires, sees_prices
from core.entry.forms import (
    LOOKUPS, Quote, customer_to_quote, describe, errors_by_id, line_rows, lookup, money_text, quantity_text, quote,
)
from core.models import User
from core.forms import PortalForm

bp = Blueprint("entry", __name__)


class LinesForm(PortalForm):
    """The order form as the quote reads it: its line rows (and its CSRF token); other fields are ignored."""

    lines = line_rows(min_entries=0)


@bp.route("/lookup/customers")
@requires(LOOKUPS["customer"].permissions)
def customers() -> Any:
    """The type-ahead's customers whose code, name or phone contains ``q``."""
    return _matches("customer")


@bp.route("/lookup/products")
@requires(LOOKUPS["product"].permissions)
def products() -> Any:
    """The type-ahead's products whose code, name or specification contains ``q``."""
    return _matches("product")


def _matches(kind: str) -> Any:
    """The options for ``q`` as an HTML fragment of ``role=option`` items for the listbox named ``listbox``."""
    actor = require_actor()
    q = (request.args.get("q") or "")[:masterdata.MAX_QUERY]
    return render_template("core/lookup_options.html", rows=lookup(kind, actor, q), kind=kind, q=q, describe=describe,
                           listbox=(request.args.get("listbox") or "lookup")[:80])


@bp.route("/orders/quote", methods=["POST"])
@requires(("order.create", "order.edit"))
def quote_lines() -> Any:
    """The line table's amounts, tax and total as strings, and the rows' errors by input id.

    Errors in what was typed (a quantity with too many places, a product nobody can find) are
    part of the answer: the table shows them as it goes. A product id the type-ahead never
    offered (not a number, not one of the company's) is a bad request: 400.
    """
    answer = quoted(require_actor())
    return jsonify(answer.body), answer.status


@dataclass(frozen=True)
class QuoteAnswer:
    """The quote of the posted form: the rows as read, their figures, the JSON body and its status.

    A page's own quote endpoint (an order form with checks beside its fields) adds to ``body``.
    """

    form: LinesForm
    figures: Quote
    body: dict[str, Any]
    status: int


def quoted(actor: User) -> QuoteAnswer:
    """The quote of the line table the current request posts, for ``actor``; reads, never writes."""
    # The script sends a product's id once it is picked; text typed but not picked yet is not
    # a product (without scripts the page's own form resolves typed text).
    typed = MultiDict([(key, value) for key, value in request.form.items(multi=True) if not key.endswith("-text")])
    form = LinesForm(formdata=typed)
    form.validate()
    result = quote(form.lines, actor, customer_to_quote(actor, request.form.get("customer_id")))
    errors = errors_by_id(form, list(result.errors.items()))
    if "csrf_token" in form.errors:
        errors["csrf_token"] = [_("The form expired; reload the page and try again.")]
    prices = sees_prices(actor)
    body: dict[str, Any] = {
        "lines": {name: ({"net_amount": money_text(a.net_amount), "tax_amount": money_text(a.tax_amount),
                          "amount": money_text(a.amount)} if prices else None)
                  for name, a in result.lines.items()},
        "subtotal": money_text(result.totals.subtotal) if prices else None,
        "tax_total": money_text(result.totals.tax_total) if prices else None,
        "total": money_text(result.totals.total) if prices else None,
        "errors": errors,
    }
    if result.available is not None:
        body["available"] = {name: quantity_text(quantity) for name, quantity in result.available.items()}
    bad_request = "csrf_token" in errors or any(row.form.product_id.bad_id for row in form.lines)
    return QuoteAnswer(form, result, body, 400 if bad_request else 200)
