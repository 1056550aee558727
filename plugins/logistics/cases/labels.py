"""Labels of problem cases and of acceptance: types, resolutions, verdicts, audit actions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.logistics.acceptance.models import RecordedAs, Verdict
from plugins.logistics.cases.models import CaseSource, CaseStatus, CaseType, Resolution

LABELS: Mapping[str, Mapping[str, Any]] = {
    "case_type": {
        CaseType.QUALITY: _l("Quality"), CaseType.QUANTITY_SHORT: _l("Quantity short"),
        CaseType.WRONG_ITEM: _l("Wrong item"), CaseType.DAMAGED: _l("Damaged"), CaseType.LATE: _l("Late"),
        CaseType.OTHER: _l("Other"),
    },
    "case_source": {CaseSource.REFUSAL: _l("Refused at delivery"),
                    CaseSource.RESERVATION: _l("Accepted with reservations"),
                    CaseSource.REPORT: _l("Reported by the customer")},
    "status.case": {CaseStatus.OPEN: _l("Open"), CaseStatus.RESOLVED: _l("Resolved")},
    "resolution": {
        Resolution.REPLACE: _l("Replaced"), Resolution.REPAIR: _l("Repaired"), Resolution.RETURN: _l("Returned"),
        Resolution.CREDIT: _l("Credited"), Resolution.REJECTED: _l("Rejected"),
    },
    "verdict": {Verdict.ACCEPTED: _l("Accepted"), Verdict.RESERVED: _l("Accepted with reservations"),
                Verdict.REFUSED: _l("Refused")},
    "recorded_as": {RecordedAs.CUSTOMER: _l("the customer"), RecordedAs.DRIVER: _l("the driver for the customer"),
                    RecordedAs.CUSTOMER_SERVICE: _l("customer service for the customer")},
    "audit.action": {
        "shipment_lines_judged": _l("Shipped lines accepted or refused"),
        "refusal_reasons_changed": _l("Refusal reasons changed"),
        "acceptance_attachment_added": _l("Photo or file attached to the acceptance"),
        "cases_opened": _l("Problem cases opened at delivery"),
        "case_opened": _l("Problem reported"),
        "case_resolved": _l("Problem case resolved"),
        "case_notice_not_sent": _l("Case notice not emailed"),
        "credit_granted": _l("Credit granted to the customer"),
        "case_escalated": _l("Late problem case escalated"),
        "case_reopened": _l("Problem case reopened"),
    },
}
