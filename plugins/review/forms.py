"""Forms of the review plugin's pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, Optional, Regexp

from plugins.review.services import REASON_MAX, StepDecision

DECISION_LABELS = {
    StepDecision.APPROVE: _l("Approve"),
    StepDecision.REJECT: _l("Reject"),
    StepDecision.SEND_BACK: _l("Send back for correction"),
}


class DecisionForm(FlaskForm):
    """The open step's decision; the service insists on a reason for reject and send back."""

    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice(choice.value, DECISION_LABELS[choice]) for choice in StepDecision],
        validators=[DataRequired()],
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)])
    version = HiddenField(validators=[Optional(), Regexp(r"^\d+$")])
