"""The cycle times page: each stage's median and 90th percentile as a chart with its table, in hours and
minutes, and the table exported as shown."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.auth.context import require_actor, requires
from core.charts import ChartKind, chart
from core.keyset import Kind
from core.listview import Column, export_format, table_export_response
from core.web import flash_form_errors
from plugins.kpi.cycletimes import services
from plugins.kpi.cycletimes.services import LEAD_TIME, CycleTime
from plugins.kpi.dashboard.forms import PeriodForm
from plugins.kpi.indicators.services import period_of
from plugins.kpi.labels import STAGES as WORK_STAGES
from plugins.kpi.labels import department

bp = Blueprint("kpi_cycletimes", __name__)

STAGES = {**WORK_STAGES, LEAD_TIME: _l("Order lead time (submission to delivery)")}
COLUMNS = [Column("stage", _l("Stage"), None), Column("count", _l("Number"), None, Kind.INT),
           Column("median", _l("Median"), None), Column("p90", _l("90th percentile"), None),
           Column("average", _l("Mean"), None)]


def hours_minutes(seconds: int) -> str:
    """A duration as hours and minutes (``26 h 05 min``), to the nearest minute."""
    hours, minutes = divmod(round(seconds / 60), 60)
    return _("%(hours)s h %(minutes)02d min", hours=hours, minutes=minutes)


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def stage_name(time: CycleTime) -> str:
    name = str(STAGES.get(time.stage, time.stage))
    # Intake is always sales'; every other stage's work is per department.
    return f"{name}: {department(time.department)}" if time.stage != "intake" and time.department else name


@bp.route("/kpi/cycle-times")
@requires("kpi.view")
def cycle_times():
    user = require_actor()
    form = PeriodForm(request.args)
    valid = form.validate()
    if not valid:
        flash_form_errors(form)
    span = period_of(user.company_id, form.date_from.data if valid else None, form.date_to.data if valid else None)
    form.date_from.data, form.date_to.data = span.date_from, span.date_to
    times = services.cycle_times(user.company_id, span)
    rows = [{"stage": stage_name(time), "count": time.count, "median": hours_minutes(time.median_seconds),
             "p90": hours_minutes(time.p90_seconds), "average": hours_minutes(time.average_seconds)}
            for time in times]
    format_ = export_format()
    if format_ is not None:
        return table_export_response(f"cycle-times-{span.date_from.isoformat()}-{span.date_to.isoformat()}",
                                     COLUMNS, rows, user, format_)
    figure = chart("cycle-times", ChartKind.BAR, _("Cycle time per stage (hours)"), _("Stage"),
                   [(str(row["stage"]), [_hours(time.median_seconds), _hours(time.p90_seconds)])
                    for row, time in zip(rows, times, strict=True)],
                   [_("Median"), _("90th percentile")])
    return render_template("kpi/cycle_times.html", form=form, span=span, rows=rows, columns=COLUMNS, figure=figure)
