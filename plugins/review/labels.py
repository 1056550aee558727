"""The review plugin's labels (departments, step statuses, verdicts, rules, reasons, notes) and how a finding reads.

``LABELS`` is what the plugin returns from ``ordo_labels``; pages look the
codes up with the core's ``label``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import Verdict
from core.labels import label
from plugins.review.models import ReviewFinding, ReviewStep, StepStatus

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
    "verdict": {
        Verdict.APPROVE: _l("Note"),
        Verdict.REJECT: _l("Reject"),
        Verdict.NEEDS_STEP: _l("Needs another step"),
    },
    "rule": {
        "floor_price": _l("Floor price rule"),
        "credit_limit": _l("Credit limit rule"),
    },
    "reason": {
        "price_below_floor": _l("priced below the floor price"),
        "credit_limit_exceeded": _l("over the customer's credit limit; a manager must approve"),
    },
    "note": {
        "no_review_step": _l("approved: no review step was required"),
        "rejected_by_rules": _l("rejected by the review rules"),
    },
    "audit.action": {
        "review_opened": _l("Review opened"),
        "review_step_decided": _l("Review step decided"),
    },
}


def department(name: str, fallback: str | None = None) -> str:
    """A department's name in the user's language; a plugin's own department shows its stored label."""
    return label(name, DEPARTMENT, default=fallback or name)


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
