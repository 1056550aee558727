"""Forms of supervision: reporting a suspected violation, following a report up, closing it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from core.forms import PortalForm
from core.labels import choices
from plugins.kpi.supervision.models import CLOSED, ViolationStatus
from plugins.kpi.supervision.violations import SUBJECT_MAX, TEXT_MAX


class ReportForm(PortalForm):
    subject = StringField(_l("Subject"), validators=[InputRequired(), Length(max=SUBJECT_MAX)])
    order = StringField(_l("Order number (if any)"), validators=[Optional(), Length(max=32)])
    description = TextAreaField(_l("What happened"), validators=[InputRequired(), Length(max=TEXT_MAX)])


class FollowUpForm(PortalForm):
    note = TextAreaField(_l("What was done"), validators=[InputRequired(), Length(max=TEXT_MAX)])


class CloseForm(PortalForm):
    status = SelectField(_l("Outcome"))
    outcome = TextAreaField(_l("What was found"), validators=[InputRequired(), Length(max=TEXT_MAX)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [choice for choice in choices(ViolationStatus) if choice.value in CLOSED]
