"""How stock's codes read: move kinds, its review rule and reasons, its timeline entries."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.stock import rules
from plugins.stock.models import MoveKind, Tracking

LABELS: Mapping[str, Mapping[str, Any]] = {
    "stock.move_kind": {
        MoveKind.RECEIPT: _l("Receipt"),
        MoveKind.ADJUSTMENT: _l("Adjustment"),
        MoveKind.RESERVATION: _l("Reservation"),
        MoveKind.RELEASE: _l("Release"),
        MoveKind.ISSUE: _l("Issue"),
        MoveKind.RETURN: _l("Return"),
    },
    "stock.tracking": {
        Tracking.NONE: _l("Not tracked"),
        Tracking.LOT: _l("Tracked by lot"),
        Tracking.SERIAL: _l("One serial number per unit"),
    },
    "rule": {rules.RULE: _l("Stock availability")},
    "reason": {
        rules.AVAILABLE: _l("every line in stock"),
        rules.PARTLY: _l("partly in stock: line, product, available/ordered → earliest date for the rest"),
        rules.NOT_AVAILABLE: _l("not in stock: line, product, available/ordered → earliest date"),
    },
    "audit.action": {
        "stock_received": _l("Stock received"),
        "stock_adjusted": _l("Stock adjusted"),
        "stock_reserved": _l("Stock reserved"),
        "stock_tracking_set": _l("Stock tracking set"),
        "stock_warehouse_created": _l("Warehouse created"),
        "stock_warehouse_renamed": _l("Warehouse renamed"),
    },
}
