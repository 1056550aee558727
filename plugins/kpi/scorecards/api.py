"""API of the scorecards and targets: ``GET /api/v1/kpi/scorecards``, ``GET`` and ``PUT /api/v1/kpi/targets``."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.db import commit
from core.models import utcnow
from plugins.kpi.dashboard.services import company_zone
from plugins.kpi.indicators.services import Dimension
from plugins.kpi.scorecards import services
from plugins.kpi.scorecards.models import KpiTarget, PeriodKind
from plugins.kpi.scorecards.schemas import ScorecardQuerySchema, ScorecardSchema, TargetsSchema
from plugins.kpi.scorecards.services import ScorePeriod, Scorecard, Subject

blp = ApiBlueprint("kpi_scorecards_api", __name__, description="KPIs: scorecards and targets")


def _card(card: Scorecard) -> dict[str, Any]:
    return {"subject": card.subject.code, "period": card.period.code, "lines": [{
        "indicator": line.indicator, "value": line.value,
        "target": line.target.target if line.target else None,
        "penalty_below": line.target.penalty_below if line.target else None,
        "trend": [{"period": period, "value": value} for period, value in line.trend],
        "proposed": line.proposed, "confirmed": line.confirmed.flag if line.confirmed else None,
        "confirmed_by": line.confirmed.confirmed_by if line.confirmed else None,
        "confirmed_at": line.confirmed.confirmed_at if line.confirmed else None,
        "chasing": asdict(line.chasing) if line.chasing else None} for line in card.lines]}


def _targets(rows: dict[Any, KpiTarget]) -> dict[str, Any]:
    return {"targets": [{"indicator": indicator, "target": row.target, "penalty_below": row.penalty_below}
                        for indicator, row in rows.items()]}


@blp.route("/kpi/scorecards")
class Scorecards(MethodView):
    @requires("kpi.view")
    @blp.arguments(ScorecardQuerySchema, location="query")
    @blp.response(200, ScorecardSchema)
    def get(self, args):
        """A department's or person's scorecard for a month or quarter: each indicator's value, target, trend,
        the flag the rule proposes and its confirmation."""
        actor = require_actor()
        subject = Subject.parse(args["subject"]) if args["subject"] is not None else \
            Subject(Dimension.PERSON, actor.id)
        period = ScorePeriod.parse(args["period"]) if args["period"] is not None else ScorePeriod(
            PeriodKind.MONTH, utcnow().astimezone(company_zone(actor.company_id)).date().replace(day=1))
        return _card(services.scorecard(actor.company_id, subject, period))


@blp.route("/kpi/targets")
class Targets(MethodView):
    @requires("kpi.view")
    @blp.response(200, TargetsSchema)
    def get(self):
        """The company's target of each indicator that has one."""
        return _targets(services.company_targets(require_actor().company_id))

    @requires("kpi.targets")
    @blp.arguments(TargetsSchema)
    @blp.response(200, TargetsSchema)
    def put(self, args):
        """Set the targets given (a null target removes it); the others stay."""
        actor = require_actor()
        values = {item["indicator"]: (item["target"], item["penalty_below"]) for item in args["targets"]}
        rows = services.set_targets(actor.company_id, values, actor)
        commit()
        return _targets(rows)
