"""The logistics plugin's labels: shipment statuses, its audit actions and timeline notes.

``LABELS`` is what the plugin returns from ``ordo_labels``; pages and documents
look the codes up with the core's ``label``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.logistics.shipments.models import CheckMode, CheckResult, ShipmentStatus, Tracking

LABELS: Mapping[str, Mapping[str, Any]] = {
    "status.shipment": {
        ShipmentStatus.PREPARED: _l("Prepared"),
        ShipmentStatus.DISPATCHED: _l("Dispatched"),
        ShipmentStatus.ACCEPTED: _l("Signed for"),
    },
    "audit.action": {
        "shipment_created": _l("Shipment prepared"),
        "shipment_dispatched": _l("Shipment dispatched"),
        "shipment_accepted": _l("Shipment signed for"),
        "shipment_checked": _l("Shipment checked before dispatch"),
        "shipment_dispatched_unchecked": _l("Shipment dispatched without a passing check (warning)"),
        "dispatch_notice_not_sent": _l("Dispatch notice not emailed"),
        "logistics_settings_changed": _l("Shipping settings changed"),
        "partial_delivery_set": _l("Partial delivery set for the order"),
    },
    "check_result": {CheckResult.PASSED: _l("Passed"), CheckResult.FAILED: _l("Failed")},
    "check_mode": {CheckMode.BLOCK: _l("Block the dispatch"), CheckMode.WARN: _l("Warn only")},
    "tracking": {Tracking.NONE: _l("Not tracked"), Tracking.LOT: _l("Tracked by lot"),
                 Tracking.SERIAL: _l("One serial number per unit")},
    # The order's "shipped" entry names the shipment that left (its ``after`` holds the number).
    "note": {"shipment_dispatched": _l("shipment %(shipment)s dispatched")},
}
