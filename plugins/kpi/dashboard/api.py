"""API of the kpi plugin: the figures of a period."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from plugins.kpi.dashboard import services
from plugins.kpi.indicators import services as indicators
from plugins.kpi.dashboard.schemas import KpiSchema, PeriodQuerySchema

blp = ApiBlueprint("kpi_api", __name__, description="KPIs: stage events counted per period and the four indicators")


@blp.route("/kpi")
class Kpi(MethodView):
    @requires("kpi.view")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, KpiSchema)
    def get(self, args):
        """Counts of every stage event and the figures derived from them, and the four indicators broken down
        as asked, over whole days."""
        actor = require_actor()
        summary = services.counts(actor.company_id, args["date_from"], args["date_to"])
        span = indicators.period_of(actor.company_id, summary.date_from, summary.date_to)
        by = args["by"]
        figures = {indicator.value: indicators.figures(actor.company_id, indicator, span, by)
                   if by in indicators.DIMENSIONS[indicator] else None for indicator in indicators.Indicator}
        return {**vars(summary), "indicators": {"by": by, **figures}}
