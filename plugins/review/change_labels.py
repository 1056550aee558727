"""Labels of change requests: their statuses, the fields a change moves, the timeline's entries."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.review.change_models import ChangeStatus, RequestedVia

CHANGE_LABELS: Mapping[str, Mapping[str, Any]] = {
    "status.change_request": {
        ChangeStatus.IN_REVIEW: _l("In review"),
        ChangeStatus.APPLIED: _l("Applied"),
        ChangeStatus.REJECTED: _l("Rejected"),
        ChangeStatus.SENT_BACK: _l("Sent back"),
        ChangeStatus.CLOSED: _l("Closed"),
    },
    "change_via": {
        RequestedVia.PORTAL: _l("Portal"),
        RequestedVia.API: _l("API"),
    },
    "change_field": {
        "lines": _l("Lines"),
        "quantity": _l("Quantity"),
        "unit_price": _l("Unit price"),
        "specification": _l("Specification"),
        "requested_date": _l("Delivery date"),
        "delivery_method": _l("Delivery method"),
        "payment_terms": _l("Payment terms"),
    },
    "audit.action": {
        "change_decided": _l("Change decided"),
        "change_acknowledged": _l("Change acknowledged by the customer"),
        "change_date_promised": _l("Delivery date promised for a change"),
    },
    "note": {
        "change_no_review_step": _l("change approved: no review step was required"),
    },
}


def merged(labels: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The review plugin's labels with the change requests' added, namespace by namespace."""
    result: dict[str, dict[str, Any]] = {name: dict(codes) for name, codes in labels.items()}
    for name, codes in CHANGE_LABELS.items():
        result.setdefault(name, {}).update(codes)
    return result
