"""API of problem cases: an order's cases, reporting one, resolving one."""
from __future__ import annotations

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from plugins.logistics.cases import services
from plugins.logistics.cases.schemas import CaseReopenSchema, CaseReportSchema, CaseResolveSchema, CaseSchema

blp = ApiBlueprint("logistics_cases_api", __name__, description="Problem cases on deliveries")

@blp.route("/orders/<id:order_id>/cases")
class OrderCases(MethodView):
    @requires("logistics.cases")
    @blp.response(200, CaseSchema(many=True))
    def get(self, order_id):
        """The order's problem cases, oldest first (a customer: their own orders')."""
        actor = require_actor()
        return services.cases_of(get_order(actor, order_id))

    @requires("logistics.cases")
    @blp.arguments(CaseReportSchema)
    @blp.response(201, CaseSchema)
    def post(self, data, order_id):
        """Report a problem with delivered goods: routed by type to a department, with a time limit in
        working hours. 409 before the goods have left; a line of another order is a 400 naming
        ``order_line_id``."""
        actor = require_actor()
        return services.report_problem(get_order(actor, order_id), actor, data)


@blp.route("/cases/<id:case_id>/reopen")
class CaseReopen(MethodView):
    @requires("logistics.cases")
    @blp.arguments(CaseReopenSchema)
    @blp.response(200, CaseSchema)
    def post(self, data, case_id):
        """Reopen a resolved case within the company's ``reopen_days``, with a ``reason``: it is open again
        with a new limit. An open case, or one resolved longer ago, is a 409."""
        actor = require_actor()
        return services.reopen(services.get_case(actor, case_id), actor, data["reason"])


@blp.route("/cases/<id:case_id>/resolve")
class CaseResolve(MethodView):
    @requires("logistics.cases.resolve")
    @blp.arguments(CaseResolveSchema)
    @blp.response(200, CaseSchema)
    def post(self, data, case_id):
        """Resolve a case once: replace (a new shipment of its quantity), repair, return, credit (an
        ``amount`` at most the line's value, needing ``logistics.credit``; 403 without it) or rejected
        (a ``note`` saying why). A case resolved already is a 409 naming ``resolution``; a credit over the
        line's value a 400 naming ``amount``. The customer is emailed, in their language."""
        actor = require_actor()
        case = services.get_case(actor, case_id)
        return services.resolve(case, actor, data["resolution"], note=data.get("note"), amount=data.get("amount"))
