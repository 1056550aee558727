"""How kpi names the departments its facts carry, when the plugin that defines them (review) is not there to.

The review plugin labels its departments under ``department``; kpi's own names, under ``kpi.department``,
are what a page falls back on (a company that never had review still has intake's "sales").
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from core.labels import label
from plugins.kpi.scorecards.models import Flag

DEPARTMENT_NAMESPACE = "kpi.department"
DEPARTMENTS: dict[str, LazyString] = {
    "sales": _l("Sales"),
    "finance": _l("Finance"),
    "production": _l("Production"),
    "logistics": _l("Logistics"),
}


# The stage work a timeliness fact measures (``TaskStage``), as the indicators and cycle times name it.
STAGES: dict[str, LazyString] = {
    "intake": _l("Intake (receipt to submission)"),
    "review": _l("Review step"),
    "execution": _l("Execution task"),
    "case": _l("Problem case"),
}


FLAGS: dict[str, LazyString] = {Flag.REWARD: _l("Reward"), Flag.PENALTY: _l("Penalty")}


def department(code: str | None) -> str:
    """A department's name: review's label, else kpi's, else the code as stored."""
    return label(code, "department", default=label(code, DEPARTMENT_NAMESPACE))
