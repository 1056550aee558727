"""Labels of incidents and at-risk warnings: kinds, statuses, and the audit actions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.logistics.incidents.models import IncidentKind, IncidentStatus, NoticeStatus

LABELS: Mapping[str, Mapping[str, Any]] = {
    "incident_kind": {
        IncidentKind.MATERIAL_SHORTAGE: _l("Material shortage"),
        IncidentKind.EQUIPMENT_FAILURE: _l("Equipment failure"),
        IncidentKind.TRANSPORT_DELAY: _l("Transport delay"),
        IncidentKind.QUALITY_PROBLEM: _l("Quality problem"),
        IncidentKind.OTHER: _l("Other"),
    },
    "status.incident": {
        IncidentStatus.OPEN: _l("Open"),
        IncidentStatus.RESOLVED: _l("Resolved"),
    },
    "status.risk_notice": {
        NoticeStatus.PENDING: _l("Awaiting the salesperson"),
        NoticeStatus.SENT: _l("Sent to the customer"),
        NoticeStatus.WITHDRAWN: _l("Withdrawn"),
    },
    "audit.action": {
        "incident_recorded": _l("Incident recorded"),
        "incident_escalated": _l("Incident escalated"),
        "incident_resolved": _l("Incident resolved"),
        "order_at_risk": _l("Order at risk: the promised date cannot be met"),
        "order_risk_cleared": _l("Order back on time"),
        "customer_notified_of_delay": _l("Customer told of the new expected date"),
        "delay_notice_not_sent": _l("No notice of the new date was emailed"),
    },
}

