"""Portal pages of change requests: the order page's panel, the change form, a change's page (where its review
steps are decided), the acknowledgement."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core.auth.context import require_actor, requires, sees_prices
from core.contracts import Panel
from core.db import scoped
from core.extensions import db
from core.labels import choices
from core.models import Order, PaymentTerms, Product, User
from core.models.order import DeliveryMethod
from core.orders.queries import get_order
from core.orders.revisions import CHANGEABLE_STATUSES, revisions
from core.web import attempt, flash_form_errors, required
from plugins.review import changes, labels, policy, services
from plugins.review.change_forms import AcknowledgeForm, ChangeForm, PromiseForm
from plugins.review.forms import DecisionForm
from plugins.review.change_models import ChangeRequest, ChangeStatus, RequestedVia

bp = Blueprint("review_changes", __name__)


def panels(order: Order, user: User) -> list[Panel]:
    """The order page's "Changes" panel: the order's change requests and the way to ask for one."""
    if not user.can(changes.VIEW):
        return []
    records = changes.changes_of(order)
    may_request = user.can(changes.REQUEST) and order.status in CHANGEABLE_STATUSES
    if not records and not may_request:
        return []
    return [Panel(_("Changes"), "review/change_panel.html",
                  {"changes": records, "may_request": may_request}, order=250)]


@bp.route("/orders/<id:order_id>/changes/new", methods=["GET", "POST"])
@requires(changes.REQUEST)
def new_change(order_id: int) -> Any:
    """The change request form: new values for the lines and terms that change, and why."""
    user = require_actor()
    order = get_order(user, order_id)
    form = _form(order, user)
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form_errors(form)
        else:
            wanted = form.change_input(prices=sees_prices(user))
            record = attempt(lambda: changes.request_change(order, wanted, actor=user, via=RequestedVia.PORTAL))
            if record is not None:
                flash(_("Change %(change)s is recorded.", change=record.number), "success")
                return redirect(url_for("review_changes.change", change_id=record.id))
    return render_template("review/change_form.html", order=order, form=form)


@bp.route("/changes/<id:change_id>")
@requires(changes.VIEW)
def change(change_id: int) -> Any:
    """One change request: the diff against its base revision, the impact, its status, the acknowledgement,
    and beside them the form of each of its review steps the user may decide."""
    user = require_actor()
    return change_page(changes.change_for(user, change_id), user)


def change_page(record: ChangeRequest, user: User, posted: DecisionForm | None = None,
                posted_step: int | None = None) -> str:
    """The change's page; ``posted`` is a decision form of step ``posted_step`` to show again with its errors."""
    may_acknowledge = (record.status == ChangeStatus.APPLIED and record.acknowledged_at is None
                       and user.can(changes.ACKNOWLEDGE))
    kept = revisions(record.order)
    applied = next((item for item in kept if item.number == record.applied_revision), None)
    to_decide = changes.steps_to_decide(record, user)
    return render_template(
        "review/change_detail.html", change=record, order=record.order,
        line_diff=changes.line_diff(record), header_diff=changes.header_diff(record),
        delivery_days=changes.delivery_days(record), may_acknowledge=may_acknowledge,
        acknowledge_form=AcknowledgeForm(formdata=None, version=record.version),
        promise_form=(PromiseForm(formdata=None, version=record.version, promised_date=record.promised_date)
                      if changes.may_promise(record, user) else None),
        is_newest=changes.latest_change(record.order) is record,
        revisions=kept,
        delivery_after=(applied.promised_date or applied.requested_date) if applied else None,
        decision_steps=to_decide,
        decision_approvable={step.id for step in to_decide if services.may_approve(user, step)},
        decision_reasons=policy.reason_choices(record.company_id) if to_decide else [],
        decision_findings=changes.findings(record) if to_decide else [],
        posted=posted, posted_step=posted_step, review_labels=labels,
    )


@bp.route("/changes/<id:change_id>/acknowledge", methods=["POST"])
@requires(changes.ACKNOWLEDGE)
def acknowledge(change_id: int) -> Any:
    user = require_actor()
    record: ChangeRequest = changes.change_for(user, change_id)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        version = int(form.version.data) if form.version.data else None
        if attempt(lambda: changes.acknowledge(record, actor=user, expected_version=version)) is not None:
            flash(_("Thank you: change %(change)s is acknowledged.", change=record.number), "success")
    return redirect(url_for("review_changes.change", change_id=change_id))


@bp.route("/changes/<id:change_id>/promised-date", methods=["POST"])
@requires("review.view")
def promise(change_id: int) -> Any:
    user = require_actor()
    record = changes.change_for(user, change_id)
    form = PromiseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        version = int(form.version.data) if form.version.data else None
        if attempt(lambda: changes.promise_date(record, required(form.promised_date.data), actor=user,
                                                expected_version=version)) is not None:
            flash(_("The delivery date of change %(change)s is recorded.", change=record.number), "success")
    return redirect(url_for("review_changes.change", change_id=change_id))


def _form(order: Order, user: User) -> ChangeForm:
    form = ChangeForm()
    if request.method == "GET":
        for line in order.lines:
            form.lines.append_entry({"line_no": line.line_no})
    products = db.session.execute(scoped(Product, user.company_id).order_by(Product.code)).scalars()
    form.add_product_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(p.id, f"{p.code} {p.name}") for p in products if p.active]
    form.delivery_method.choices = [SelectChoice("", _("Unchanged"))] + choices(DeliveryMethod)
    form.payment_terms.choices = [SelectChoice("", _("Unchanged"))] + choices(PaymentTerms)
    return form

