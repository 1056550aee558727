"""The change request form (《订单变更申请表》) as a stored PDF document of the order: its newest change."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import DocumentKind, DocumentSource
from core.documents import order_version
from core.errors import NotFound
from core.extensions import db
from core.models import Company, Order
from plugins.review import changes
from plugins.review.change_models import ChangeRequest


def _newest(order: Order) -> ChangeRequest:
    record = changes.latest_change(order)
    if record is None:
        raise NotFound(_("order %(number)s has no change request", number=order.display_number), field="kind")
    return record


def change_request_source(order: Order) -> DocumentSource:
    """A version per state of the newest change (its row version counts its decision and acknowledgement)."""
    record = _newest(order)
    return DocumentSource(f"{order_version(order)}.c{record.id}v{record.version}", entity="change_request",
                          entity_id=record.id)


def change_request_context(order: Order) -> dict[str, Any]:
    """What the form prints: the company, the change, its diff and impact."""
    record = _newest(order)
    return {
        "company": db.session.get_one(Company, order.company_id), "customer": order.customer, "change": record,
        "line_diff": changes.line_diff(record), "header_diff": changes.header_diff(record),
        "delivery_days": changes.delivery_days(record),
    }


# Printed for the customer: the diff, the impact, the status; never the reviewers' reasons.
CHANGE_REQUEST_FORM = DocumentKind(
    "change-request", _l("Change request form"), "change_request.html", changes.VIEW,
    context=change_request_context, available=lambda order: changes.latest_change(order) is not None,
    source=change_request_source, customer_copy=True,
)
