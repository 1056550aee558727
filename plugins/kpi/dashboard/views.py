"""Portal pages of the kpi plugin: the dashboard of a period's figures, as cards and charts."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.auth.context import require_actor, requires, sees_prices
from core.charts import Chart, ChartKind, chart
from core.models import User
from core.web import attempt, flash_form_errors
from plugins.kpi.dashboard import services
from plugins.kpi.dashboard.forms import PeriodForm
from plugins.kpi.facts.models import DECISION_KINDS, KpiEventKind

bp = Blueprint("kpi", __name__)

KIND_LABELS = {
    KpiEventKind.SUBMITTED: _l("Submitted"),
    KpiEventKind.APPROVED: _l("Approved"),
    KpiEventKind.REJECTED: _l("Rejected"),
    KpiEventKind.SENT_BACK: _l("Sent back"),
    KpiEventKind.REVIEW_OVERDUE: _l("Review steps overdue"),
    KpiEventKind.PRODUCTION_STARTED: _l("Production started"),
    KpiEventKind.SHIPPED: _l("Shipped"),
    KpiEventKind.DELIVERED: _l("Signed for"),
    KpiEventKind.PAID: _l("Payments"),
    KpiEventKind.PAYMENT_REVERSED: _l("Payments reversed"),
    KpiEventKind.SETTLED: _l("Settled by credit"),
    KpiEventKind.COMPLETED: _l("Completed"),
    KpiEventKind.CANCELLED: _l("Cancelled"),
    KpiEventKind.CHANGE_REQUESTED: _l("Change requested"),
    KpiEventKind.CHANGED: _l("Change applied"),
}


@bp.route("/kpi")
@requires("kpi.view")
def dashboard():
    user = require_actor()
    form = PeriodForm(request.args)
    found = None
    if not form.validate():
        flash_form_errors(form)
    else:
        found = attempt(lambda: services.dashboard(user.company_id, form.date_from.data, form.date_to.data))
    if found is None:  # a bad period shows the default one beside the message
        found = services.dashboard(user.company_id)
    summary, timeline = found
    # Fields left empty show the period actually counted; typed values stay as typed.
    form.date_from.data, form.date_to.data = summary.date_from, summary.date_to
    return render_template("kpi/dashboard.html", form=form, summary=summary, kinds=KpiEventKind,
                           kind_labels=KIND_LABELS, charts=charts(user, summary, timeline))


# The kinds the chart over time follows: an order's way from entry to the end.
OVER_TIME = (KpiEventKind.SUBMITTED, KpiEventKind.APPROVED, KpiEventKind.SHIPPED, KpiEventKind.COMPLETED)
BUCKET_FORMAT = {services.Granularity.DAY: "%Y-%m-%d", services.Granularity.MONTH: "%Y-%m",
                 services.Granularity.YEAR: "%Y"}
BUCKET_TITLES = {services.Granularity.DAY: _l("Day"), services.Granularity.MONTH: _l("Month"),
                 services.Granularity.YEAR: _l("Year")}


def charts(user: User, summary: services.KpiSummary, timeline: services.KpiTimeline) -> list[Chart]:
    """The dashboard's charts, each from the figures its table shows; amounts only for who sees prices."""
    found = [
        chart("stage-events", ChartKind.BAR, _("Stage events"), _("Event"),
              [(KIND_LABELS[kind], [count]) for kind, count in summary.counts.items()], [_("Number")]),
        chart("review-decisions", ChartKind.PIE, _("Review decisions"), _("Decision"),
              [(KIND_LABELS[kind], [summary.counts[kind]]) for kind in DECISION_KINDS] if summary.decided else [],
              [_("Number")]),
    ]
    bucket = BUCKET_FORMAT[timeline.granularity]
    found.append(chart("over-time", ChartKind.LINE, _("Orders over time"), BUCKET_TITLES[timeline.granularity],
                       [(day.start.strftime(bucket), [day.counts[kind] for kind in OVER_TIME])
                        for day in timeline.buckets],
                       [KIND_LABELS[kind] for kind in OVER_TIME]))
    if sees_prices(user):
        found.append(chart("collected", ChartKind.BAR, _("Collected over time"),
                           BUCKET_TITLES[timeline.granularity],
                           [(day.start.strftime(bucket), [day.collected]) for day in timeline.buckets],
                           [_("Collected (%(currency)s)", currency=user.company.currency)]))
    return found
