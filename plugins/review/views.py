"""Portal pages of the review plugin: the review queue and the order panel's decision form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template
from flask_babel import gettext as _

from core.auth.context import require_actor, requires
from core.models import utcnow
from core.web import attempt, flash_form_errors
from core.portal import order_url
from plugins.review import labels, services
from plugins.review.forms import DecisionForm
from plugins.review.services import StepDecision

bp = Blueprint("review", __name__)


def _done(decision: StepDecision, step: str, number: str) -> str:
    if decision == StepDecision.APPROVE:
        return _("The %(step)s step of order %(number)s is approved.", step=step, number=number)
    if decision == StepDecision.REJECT:
        return _("Order %(number)s is rejected.", number=number)
    return _("Order %(number)s is sent back for correction.", number=number)


@bp.route("/reviews")
@requires("review.view")
def queue():
    """The open steps the user may decide, late first."""
    user = require_actor()
    return render_template("review/queue.html", steps=services.open_steps_for(user), now=utcnow(),
                           review_labels=labels)


@bp.route("/reviews/<id:step_id>/decide", methods=["POST"])
@requires("review.view")
def decide(step_id: int):
    user = require_actor()
    step = services.step_for(user, step_id)
    order_id, number = step.order_id, step.order.display_number
    name = labels.department(step.department, step.label)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        decision = StepDecision(form.decision.data)
        version = int(form.version.data) if form.version.data else None
        if attempt(lambda: services.decide(step, decision, form.reason.data, actor=user,
                                           expected_version=version)) is not None:
            flash(_done(decision, name, number), "success")
    return redirect(order_url(order_id))
