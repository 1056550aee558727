"""Translated labels of the review plugin's departments, step statuses and verdicts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.contracts import Verdict
from plugins.review.models import StepStatus

DEPARTMENTS = {
    "sales": _l("Sales"),
    "finance": _l("Finance"),
    "production": _l("Production"),
    "manager": _l("Manager"),
}

STEP_STATUSES = {
    StepStatus.WAITING: _l("Waiting"),
    StepStatus.OPEN: _l("Open"),
    StepStatus.APPROVED: _l("Approved"),
    StepStatus.REJECTED: _l("Rejected"),
    StepStatus.SENT_BACK: _l("Sent back"),
    StepStatus.CLOSED: _l("Closed"),
}

VERDICTS = {
    Verdict.APPROVE: _l("Note"),
    Verdict.REJECT: _l("Reject"),
    Verdict.NEEDS_STEP: _l("Needs another step"),
}


def department(name: str, fallback: str | None = None) -> str:
    """A department's name in the user's language; a plugin's own department shows its stored label."""
    found = DEPARTMENTS.get(name)
    return str(found) if found is not None else (fallback or name)


def step_status(status: StepStatus) -> str:
    return str(STEP_STATUSES[status])


def verdict(value: Verdict) -> str:
    return str(VERDICTS[value])
