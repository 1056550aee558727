"""The review plugin's labels (departments, step statuses, verdicts, rules, reasons, notes) and how a finding reads.

``LABELS`` is what the plugin returns from ``ordo_labels``; pages look the
codes up with the core's ``label``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import OverdueKind, Severity, StepPolicy, Verdict
from core.labels import label
from plugins.review import policy
from plugins.review.models import ReviewFinding, ReviewStep, RoundStatus, StepDecision, StepStatus

DEPARTMENT = "department"

LABELS: Mapping[str, Mapping[str, Any]] = {
    DEPARTMENT: {
        "sales": _l("Sales"),
        "finance": _l("Finance"),
        "production": _l("Production"),
        "manager": _l("Manager"),
    },
    "status.review_step": {
        StepStatus.WAITING: _l("Waiting"),
        StepStatus.OPEN: _l("Open"),
        StepStatus.APPROVED: _l("Approved"),
        StepStatus.REJECTED: _l("Rejected"),
        StepStatus.SENT_BACK: _l("Sent back"),
        StepStatus.CLOSED: _l("Closed"),
    },
    "status.review_round": {
        RoundStatus.OPEN: _l("In review"),
        RoundStatus.APPROVED: _l("Approved"),
        RoundStatus.REJECTED: _l("Rejected"),
        RoundStatus.SENT_BACK: _l("Sent back"),
        RoundStatus.CLOSED: _l("Closed"),
    },
    "review.policy": {
        StepPolicy.ANY: _l("Any one approves"),
        StepPolicy.ALL: _l("All must approve"),
        StepPolicy.QUORUM: _l("N of M approve"),
    },
    "review.severity": {
        Severity.INFO: _l("Info"),
        Severity.WARNING: _l("Warning"),
        Severity.BLOCKING: _l("Blocking"),
    },
    "review.decision": {
        StepDecision.APPROVE: _l("approved"),
        StepDecision.REJECT: _l("rejected"),
        StepDecision.SEND_BACK: _l("sent back"),
    },
    "review.notice": {
        OverdueKind.REMINDER: _l("Reminder"),
        OverdueKind.ESCALATION: _l("Escalation"),
        OverdueKind.DELAY: _l("Delay reported"),
    },
    "verdict": {
        Verdict.APPROVE: _l("Note"),
        Verdict.REJECT: _l("Reject"),
        Verdict.NEEDS_STEP: _l("Needs another step"),
    },
    "rule": {
        "floor_price": _l("Floor price rule"),
        "credit_limit": _l("Credit limit rule"),
        "discount": _l("Discount rule"),
        "receivables": _l("Receivables check"),
        "history": _l("Customer history"),
        "payment_terms": _l("Payment terms check"),
        "invoice_data": _l("Invoice data check"),
        "product_lead_time": _l("Lead time check"),
        "capacity": _l("Production capacity check"),
    },
    "reason": {
        "price_below_floor": _l("priced below the floor price"),
        "credit_limit_exceeded": _l("over the customer's credit limit; a manager must approve"),
        "discount_beyond_policy": _l("discounted beyond the policy"),
        "receivables_unknown": _l("no receivables to see: billing is not enabled"),
        "overdue_receivables": _l("the customer has overdue receivables"),
        "new_customer": _l("a new customer: no earlier orders"),
        "customer_history": _l("earlier orders refused or paid late"),
        "payment_terms_outside": _l("payment terms outside the customer's allowed terms"),
        "invoice_data_missing": _l("invoice data missing"),
        "before_lead_time": _l("requested earlier than the lead time"),
        "capacity_exceeded": _l("not enough production capacity by the requested date"),
        # The reasons a reviewer chooses from until the company lists its own.
        "price": _l("Price"),
        "credit": _l("Credit risk"),
        "payment_terms": _l("Payment terms"),
        "invoice_data": _l("Invoice data"),
        "capacity": _l("Production capacity"),
        "delivery_date": _l("Delivery date cannot be met"),
        "missing_information": _l("Information missing"),
        "other": _l("Other"),
    },
    "note": {
        "no_review_step": _l("approved: no review step was required"),
        "rejected_by_rules": _l("rejected by the review rules"),
    },
    "audit.action": {
        "review_opened": _l("Review opened"),
        "review_step_decided": _l("Review step decided"),
        "review_step_escalated": _l("Review step escalated"),
        "review_delay_reported": _l("Review delay reported"),
        "review_finding_overridden": _l("Blocking finding overridden"),
        "review_settings_saved": _l("Review settings saved"),
        "review_steps_saved": _l("Review steps saved"),
        "review_reasons_saved": _l("Review reason codes saved"),
        "review_capacity_saved": _l("Production capacity saved"),
    },
}


def department(name: str, fallback: str | None = None) -> str:
    """A department's name in the user's language; a plugin's own department shows its stored label."""
    return label(name, DEPARTMENT, default=fallback or name)


def reason_code(company_id: int, code: str | None) -> str:
    """A reviewer's reason code in the reader's language (the company's own list, or the standard one)."""
    return policy.reason_label(company_id, code)


def finding(item: ReviewFinding) -> str:
    """What a rule found, in the reader's language: its reasons' labels and what they are about.

    A rule that labels none of its reason codes is read in its own words, as it gave them.
    """
    reasons = [label(code, "reason", default="") for code in item.reason_codes]
    if not any(reasons):
        return item.message
    read = "; ".join(reason or code for reason, code in zip(reasons, item.reason_codes, strict=True))
    about = ", ".join(str(value) for value in (item.params or {}).values())
    return _("%(reasons)s (%(about)s)", reasons=read, about=about) if about else read


def step_reason(step: ReviewStep) -> str:
    """Why a step was decided: the reviewer's words, or the findings of the rules that decided it."""
    if step.decided_by_id is None and step.decided_at is not None:
        found = [finding(item) for item in step.findings if item.verdict == Verdict.REJECT]
        if found:
            return "; ".join(found)
    return step.reason or ""
