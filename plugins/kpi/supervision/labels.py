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
        # The core's administrative actions: no order's timeline shows them, the audit browser does.
        "company_created": _l("Company created"),
        "company_profile_changed": _l("Company profile changed"),
        "company_logo_changed": _l("Company logo changed"),
        "company_logo_removed": _l("Company logo removed"),
        "module_enabled": _l("Module switched on or off"),
        "role_permissions_set": _l("Role permissions set"),
        "token_created": _l("API token created"),
        "token_revoked": _l("API token revoked"),
        "user_created": _l("User created"),
        "user_updated": _l("User changed"),
    },
}
