"""Forms of the scorecards: the targets of the company's indicators, and a supervisor's confirmation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, HiddenField
from wtforms.validators import InputRequired, Optional

from core.forms import PortalForm
from plugins.kpi.indicators.services import Indicator


class TargetsForm(PortalForm):
    """One target and one penalty threshold per indicator (empty: no target, no flag proposed)."""


for _indicator in Indicator:
    setattr(TargetsForm, f"{_indicator.value}_target",
            DecimalField(_l("Target"), places=4, validators=[Optional()]))
    setattr(TargetsForm, f"{_indicator.value}_penalty_below",
            DecimalField(_l("Penalty below"), places=4, validators=[Optional()]))


class ConfirmForm(PortalForm):
    subject = HiddenField(validators=[InputRequired()])
    period = HiddenField(validators=[InputRequired()])
    indicator = HiddenField(validators=[InputRequired()])
