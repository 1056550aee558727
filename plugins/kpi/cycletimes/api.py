"""API of the cycle times: ``GET /api/v1/analytics/cycle-times``."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from plugins.kpi.cycletimes import services
from plugins.kpi.cycletimes.schemas import CycleTimesQuerySchema, CycleTimesSchema
from plugins.kpi.indicators.services import period_of

blp = ApiBlueprint("kpi_cycletimes_api", __name__, description="Analytics: cycle times per stage")


@blp.route("/analytics/cycle-times")
class CycleTimes(MethodView):
    @requires("kpi.view")
    @blp.arguments(CycleTimesQuerySchema, location="query")
    @blp.response(200, CycleTimesSchema)
    def get(self, args):
        """How long each stage's work took in the period: count, median, 90th percentile and mean, in seconds."""
        actor = require_actor()
        span = period_of(actor.company_id, args["date_from"], args["date_to"])
        return {"date_from": span.date_from, "date_to": span.date_to,
                "stages": services.cycle_times(actor.company_id, span)}
