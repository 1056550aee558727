"""Portal pages of collection: finance's dunning levels, and on the customer's account page (``payments``)
the forms for a promise to pay, a follow-up, a credit hold and its release."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.errors import ValidationError
from core.labels import choices
from core.models import Customer, User
from core.web import attempt, flash_form_errors, required
from plugins.billing.collection import follow_ups, hold, levels, promises, services
from plugins.billing.collection.forms import FollowUpForm, PromiseForm, ReasonForm
from plugins.billing.collection.models import DunningChannel, FollowUpKind, NoticeTone

bp = Blueprint("billing_collection", __name__)

ROWS = levels.MAX_LEVELS  # the page offers this many rows; an empty one is left out


def levels_from_form(form: Any) -> list[dict[str, Any]]:
    """The rows of the levels' table that have days, in order: ``days-<n>``, ``channel-<n>``, ``tone-<n>``,
    ``holds-<n>``. Days that are not a whole number are refused naming the row."""
    rows: list[dict[str, Any]] = []
    for number in range(1, ROWS + 1):
        days = (form.get(f"days-{number}") or "").strip()
        if not days:
            continue
        if not (days.isascii() and days.isdigit()) or len(days) > 5:
            raise ValidationError(_("days past due must be a whole number"), field=f"levels[{len(rows)}].days")
        try:
            channel, tone = DunningChannel(form.get(f"channel-{number}")), NoticeTone(form.get(f"tone-{number}"))
        except ValueError:
            raise ValidationError(_("choose a channel and a text"), field=f"levels[{len(rows)}].channel") from None
        rows.append({"days": int(days), "channel": channel, "tone": tone,
                     "holds_credit": form.get(f"holds-{number}") == "on"})
    return rows


@bp.route("/billing/dunning-levels")
@requires(levels.SETTINGS)
def dunning_levels():
    actor = require_actor()
    return render_template("billing/collection/levels.html", levels=levels.company_levels(actor.company_id),
                           rows=ROWS, channels=choices(DunningChannel), tones=choices(NoticeTone))


@bp.route("/billing/dunning-levels", methods=["POST"])
@requires(levels.SETTINGS)
def save_dunning_levels():
    actor = require_actor()
    if attempt(lambda: levels.set_levels(actor.company_id, levels_from_form(request.form), actor)) is not None:
        flash(_("The dunning levels are saved."), "success")
    return redirect(url_for("billing_collection.dunning_levels"))


def _back(customer_id: int):
    return redirect(url_for("billing_payments.customer_account", customer_id=customer_id) + "#collection")


@bp.route("/customers/<id:customer_id>/promises", methods=["POST"])
@requires(follow_ups.FOLLOW_UP)
def promise(customer_id: int):
    actor = require_actor()
    customer = services.staff_customer(actor, customer_id)
    form = PromiseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: promises.make_promise(
            customer, amount=required(form.amount.data), promised_for=required(form.promised_for.data),
            invoice=services.customer_invoice(customer, form.invoice_id.data), note=form.note.data,
            actor=actor)) is not None:
        flash(_("The promise to pay is recorded."), "success")
    return _back(customer_id)


@bp.route("/customers/<id:customer_id>/follow-ups", methods=["POST"])
@requires(follow_ups.FOLLOW_UP)
def follow_up(customer_id: int):
    actor = require_actor()
    customer = services.staff_customer(actor, customer_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: follow_ups.log_follow_up(
            customer, kind=FollowUpKind(form.kind.data), outcome=form.outcome.data, actor=actor,
            invoice=services.customer_invoice(customer, form.invoice_id.data))) is not None:
        flash(_("The follow-up is logged."), "success")
    return _back(customer_id)


def _with_reason(customer_id: int, act: Callable[[Customer, str | None, User], object], done: str):
    """A hold or its release: the reason from the form, the service decides, the account page again."""
    actor = require_actor()
    customer = services.staff_customer(actor, customer_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif attempt(lambda: act(customer, form.reason.data, actor)) is not None:
        flash(done % {"customer": customer.name}, "success")
    return _back(customer_id)


@bp.route("/customers/<id:customer_id>/credit-hold", methods=["POST"])
@requires(hold.PLACE)
def place_hold(customer_id: int):
    return _with_reason(customer_id, hold.decide_hold, _("%(customer)s is on credit hold."))


@bp.route("/customers/<id:customer_id>/credit-hold/release", methods=["POST"])
@requires(hold.RELEASE)
def release_hold(customer_id: int):
    return _with_reason(customer_id, hold.release, _("The credit hold of %(customer)s is released."))
