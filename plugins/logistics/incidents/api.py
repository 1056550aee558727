"""API of incidents and at-risk notices: an order's incidents recorded, escalated and resolved; notices confirmed."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.api import ApiBlueprint
from core.auth.context import require_actor, requires
from core.orders.queries import get_order
from plugins.logistics.incidents import services, sweep
from plugins.logistics.incidents.models import Incident
from plugins.logistics.incidents.schemas import (
    IncidentEscalateSchema, IncidentInputSchema, IncidentResolveSchema, IncidentSchema, RiskNoticeConfirmSchema,
    RiskNoticeSchema, RiskSettingsSchema,
)

blp = ApiBlueprint("logistics_incidents_api", __name__,
                   description="Incidents on orders and tasks, and the customer's notices of a new expected date")

READERS = ("logistics.view", "logistics.task", "logistics.plan", services.RECORD)


def incident_payload(incident: Incident) -> dict[str, Any]:
    person = incident.recorded_by
    return {
        "id": incident.id, "order_id": incident.order_id, "task_id": incident.task_id, "kind": incident.kind,
        "delay_hours": incident.delay_hours, "description": incident.description, "status": incident.status,
        "recorded_at": incident.recorded_at,
        "recorded_by": {"id": person.id, "name": person.name} if person else None,
        "escalated_at": incident.escalated_at, "escalated_to": incident.escalated_to,
        "resolved_at": incident.resolved_at, "resolution": incident.resolution, "version": incident.version,
    }


@blp.route("/orders/<id:order_id>/incidents")
class OrderIncidents(MethodView):
    @requires(READERS)
    @blp.response(200, IncidentSchema(many=True))
    def get(self, order_id):
        """The order's incidents, newest first, open and resolved."""
        return [incident_payload(incident) for incident in services.incidents_of(get_order(require_actor(),
                                                                                           order_id))]

    @requires(services.RECORD)
    @blp.arguments(IncidentInputSchema)
    @blp.response(201, IncidentSchema)
    def post(self, data, order_id):
        """Record an incident on the order or one of its tasks, with its expected delay in working hours.

        400 for a negative delay or a task of another order (naming the field); 409 on an order no longer
        worked (cancelled, delivered); 404 for an order of another company."""
        actor = require_actor()
        order = get_order(actor, order_id)
        return incident_payload(services.record_incident(
            order, actor, kind=data["kind"], delay_hours=data["delay_hours"], description=data["description"],
            task_id=data.get("task_id")))


@blp.route("/incidents/<id:incident_id>/escalate")
class IncidentEscalate(MethodView):
    @requires(services.RECORD)
    @blp.arguments(IncidentEscalateSchema)
    @blp.response(200, IncidentSchema)
    def post(self, data, incident_id):
        """Escalate the incident to a manager (the caller's superior, else whoever handles escalations); it is in
        their inbox until resolved. 409 when it is resolved or escalated already."""
        actor = require_actor()
        return incident_payload(services.escalate_incident(services.get_incident(actor, incident_id), actor))


@blp.route("/incidents/<id:incident_id>/resolve")
class IncidentResolve(MethodView):
    @requires(services.RECORD)
    @blp.arguments(IncidentResolveSchema)
    @blp.response(200, IncidentSchema)
    def post(self, data, incident_id):
        """Record how the incident was resolved; its delay no longer counts. 409 when it is resolved already."""
        actor = require_actor()
        incident = services.get_incident(actor, incident_id)
        return incident_payload(services.resolve_incident(incident, actor, data["resolution"]))


@blp.route("/orders/<id:order_id>/delay-notices")
class OrderNotices(MethodView):
    @requires(READERS)
    @blp.response(200, RiskNoticeSchema(many=True))
    def get(self, order_id):
        """The order's notices of a new expected date: pending the salesperson's confirmation, sent, withdrawn."""
        return sweep.notices_of(get_order(require_actor(), order_id))


@blp.route("/delay-notices/<id:notice_id>/send")
class NoticeSend(MethodView):
    @requires(sweep.NOTIFY)
    @blp.arguments(RiskNoticeConfirmSchema)
    @blp.response(200, RiskNoticeSchema)
    def post(self, data, notice_id):
        """The salesperson confirms the new date: the notice is emailed to the customer in their language.
        409 when it was sent already or withdrawn (the date changed since)."""
        actor = require_actor()
        return sweep.confirm_notice(sweep.get_notice(actor, notice_id), actor, data.get("message"))


@blp.route("/delay-notice-settings")
class NoticeSettings(MethodView):
    @requires(sweep.SETTINGS)
    @blp.response(200, RiskSettingsSchema)
    def get(self):
        """Whether new expected dates go to customers at once, or after the salesperson confirms them."""
        return {"notify_at_once": sweep.notifies_at_once(require_actor().company_id)}

    @requires(sweep.SETTINGS)
    @blp.arguments(RiskSettingsSchema)
    @blp.response(200, RiskSettingsSchema)
    def put(self, data):
        return {"notify_at_once": sweep.set_notify_at_once(require_actor(), data["notify_at_once"])}
