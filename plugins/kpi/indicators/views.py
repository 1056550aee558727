"""The indicators page: the four indicators of a period with their formulas, broken down by department, person,
customer or salesperson, each as a chart with its table beside it, and the table exported as shown."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from core.auth.context import require_actor, requires, sees_prices
from core.charts import Chart, ChartKind, chart
from core.errors import ValidationError
from core.keyset import Kind
from core.listview import export_format, table_export_response
from core.web import flash_form_errors
from plugins.kpi.indicators import presentation, services
from plugins.kpi.indicators.forms import IndicatorsForm
from plugins.kpi.indicators.services import DIMENSIONS, Dimension, Indicator

bp = Blueprint("kpi_indicators", __name__)


@bp.route("/kpi/indicators")
@requires("kpi.view")
def indicators():
    user = require_actor()
    form = IndicatorsForm(request.args)
    valid = form.validate()
    if not valid:
        flash_form_errors(form)
    by = Dimension(form.by.data) if valid else Dimension.COMPANY
    span = services.period_of(user.company_id, form.date_from.data if valid else None,
                              form.date_to.data if valid else None)
    form.date_from.data, form.date_to.data, form.by.data = span.date_from, span.date_to, by.value
    format_ = export_format()
    if format_ is not None:
        indicator = _indicator(request.args.get("indicator"))
        shown = by if by in DIMENSIONS[indicator] else Dimension.COMPANY
        figures = services.figures(user.company_id, indicator, span, shown)
        name = f"{indicator.value}-{shown.value}-{span.date_from.isoformat()}-{span.date_to.isoformat()}"
        return table_export_response(name, presentation.columns(indicator, shown),
                                     presentation.rows(figures, shown, _chased(user.company_id, indicator, span,
                                                                               shown)), user, format_)
    company = {indicator: next(iter(services.figures(user.company_id, indicator, span)), None)
               for indicator in Indicator}
    tables = []
    for indicator in Indicator:
        if by == Dimension.COMPANY or by not in DIMENSIONS[indicator]:
            continue
        rows = presentation.rows(services.figures(user.company_id, indicator, span, by), by,
                                 _chased(user.company_id, indicator, span, by))
        columns = [column for column in presentation.columns(indicator, by)
                   if column.kind != Kind.MONEY or sees_prices(user)]
        tables.append((indicator, columns, rows, _chart(indicator, by, rows)))
    return render_template("kpi/indicators.html", form=form, span=span, by=by, company=company, tables=tables,
                           names=presentation.NAMES, formulas=presentation.FORMULAS,
                           headline=presentation.headline, prices=sees_prices(user))


def _chased(company_id: int, indicator: Indicator, span: services.Period,
            by: Dimension) -> dict[int | None, services.Chased] | None:
    """Beside collection per customer or salesperson, the dunning notices and broken promises of each."""
    if indicator != Indicator.COLLECTION or by not in services.CHASED_BY:
        return None
    return services.chased(company_id, span, by)


def _indicator(value: str | None) -> Indicator:
    try:
        return Indicator(value or "")
    except ValueError:
        raise ValidationError(_("indicator must be one of: %(values)s", values=", ".join(Indicator)),
                              field="indicator") from None


def _chart(indicator: Indicator, by: Dimension, rows: list[dict]) -> Chart:
    """The breakdown's bars: each key's rate (or average rating), from the same cells as the table."""
    value = "average" if indicator == Indicator.SATISFACTION else "rate"
    series = _("Average rating") if indicator == Indicator.SATISFACTION else _("Rate (%)")
    return chart(f"indicator-{indicator.value}", ChartKind.BAR, str(presentation.NAMES[indicator]),
                 str(presentation.DIMENSION_LABELS[by]),
                 [(row["name"], [row[value]]) for row in rows if row[value] is not None], [series])
