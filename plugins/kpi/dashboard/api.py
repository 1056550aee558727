"""API of the kpi plugin: the figures of a period."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from plugins.kpi.dashboard import services
from plugins.kpi.dashboard.schemas import KpiSchema, PeriodQuerySchema

blp = ApiBlueprint("kpi_api", __name__, description="KPIs: stage events counted per period")


@blp.route("/kpi")
class Kpi(MethodView):
    @requires("kpi.view")
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, KpiSchema)
    def get(self, args):
        """Counts of every stage event and the figures derived from them, over whole days."""
        actor = require_actor()
        return services.counts(actor.company_id, args["date_from"], args["date_to"])
