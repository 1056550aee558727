"""The lead-time rule: production cannot make and ship an order in fewer than a few days.

Implements Ordo's ``review_rules`` hook. The review plugin calls it on every
plugin pinned on a submitted order, records the findings, and rejects the step
of the finding's department at once when the verdict is ``reject``.
"""
from __future__ import annotations

from flask import current_app

from core.contracts import Finding, OrderChange, Verdict
from core.extensions import db
from core.hookspecs import hookimpl
from core.models import Company, Order

MIN_LEAD_DAYS = 3  # overridable per installation with the setting ORDO_LEAD_TIME_DAYS


@hookimpl
def review_rules(order: Order, change: OrderChange | None) -> list[Finding]:
    """Reject an order (or a change) whose requested date is fewer than the minimum days away."""
    minimum = int(current_app.config.get("ORDO_LEAD_TIME_DAYS", MIN_LEAD_DAYS))
    # A change request may move the date; judge the date it asks for.
    moved = change.changed("requested_date") if change is not None else None
    requested = moved.new if moved is not None else order.requested_date
    lead = (requested - db.session.get(Company, order.company_id).today()).days
    if lead >= minimum:
        return []
    return [Finding(
        rule="lead_time",
        verdict=Verdict.REJECT,
        reason_codes=("lead_time_too_short",),
        department="production",
        message=(f"The requested date {requested.isoformat()} leaves {max(lead, 0)} day(s); "
                 f"production needs at least {minimum}."),
    )]
