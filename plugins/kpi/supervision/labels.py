"""Supervision's labels in both languages: the violation reports' statuses and their audit actions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.kpi.supervision.models import ViolationStatus

LABELS: Mapping[str, Mapping[str, Any]] = {
    "status.violation_report": {
        ViolationStatus.OPEN: _l("Reported"),
        ViolationStatus.INVESTIGATING: _l("Under investigation"),
        ViolationStatus.SUBSTANTIATED: _l("Substantiated"),
        ViolationStatus.UNFOUNDED: _l("Unfounded"),
    },
    "audit.action": {
        "violation_reported": _l("Violation reported"),
        "violation_followed_up": _l("Violation report followed up"),
        "violation_closed": _l("Violation report closed"),
    },
}
