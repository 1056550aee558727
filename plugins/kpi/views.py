"""Portal pages of the kpi plugin: the dashboard of a period's figures."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from core.auth.context import require_actor, requires
from core.web import attempt, flash_form_errors
from plugins.kpi import services
from plugins.kpi.forms import PeriodForm
from plugins.kpi.models import KpiEventKind

bp = Blueprint("kpi", __name__)

KIND_LABELS = {
    KpiEventKind.SUBMITTED: _l("Submitted"),
    KpiEventKind.APPROVED: _l("Approved"),
    KpiEventKind.REJECTED: _l("Rejected"),
    KpiEventKind.SENT_BACK: _l("Sent back"),
    KpiEventKind.REVIEW_OVERDUE: _l("Review steps overdue"),
    KpiEventKind.SHIPPED: _l("Shipped"),
    KpiEventKind.DELIVERED: _l("Signed for"),
    KpiEventKind.PAID: _l("Payments"),
    KpiEventKind.COMPLETED: _l("Completed"),
    KpiEventKind.CANCELLED: _l("Cancelled"),
}


@bp.route("/kpi")
@requires("kpi.view")
def dashboard():
    user = require_actor()
    form = PeriodForm(request.args)
    summary = None
    if not form.validate():
        flash_form_errors(form)
    else:
        summary = attempt(lambda: services.counts(user.company_id, form.date_from.data, form.date_to.data))
    if summary is None:  # a bad period shows the default one beside the message
        summary = services.counts(user.company_id)
    # Fields left empty show the period actually counted; typed values stay as typed.
    form.date_from.data, form.date_to.data = summary.date_from, summary.date_to
    return render_template("kpi/dashboard.html", form=form, summary=summary, kinds=KpiEventKind,
                           kind_labels=KIND_LABELS)
