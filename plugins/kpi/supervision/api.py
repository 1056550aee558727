"""The violation channel's API: any staff member files a report; supervisors alone read them."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from plugins.kpi.supervision import violations
from plugins.kpi.supervision.access import confidential
from plugins.kpi.supervision.schemas import ReportInSchema, ReportReceiptSchema, ReportSchema

blp = ApiBlueprint("kpi_supervision_api", __name__,
                   description="Supervision: the confidential channel for reporting suspected violations")


@blp.route("/violations")
class Violations(MethodView):
    @confidential
    @requires(violations.HANDLE)
    @blp.response(200, ReportSchema(many=True))
    def get(self):
        """The company's 200 latest reports with their reporter, follow-ups and outcome: supervisors only,
        never whoever manages users or roles."""
        return violations.reports_for(require_actor())

    @requires(violations.REPORT)
    @blp.arguments(ReportInSchema)
    @blp.response(201, ReportReceiptSchema)
    def post(self, args):
        """Report a suspected violation; only the supervisors will see it and who sent it."""
        return violations.report(require_actor(), subject=args["subject"], description=args["description"],
                                 order_number=args["order"])
