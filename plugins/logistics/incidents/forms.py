"""Portal forms of incidents: record one, resolve it, escalate it; confirm a notice of a new date."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from core.forms import FixedPoint, PortalForm, stripped
from plugins.logistics.execution.models import HOURS_FIGURE
from plugins.logistics.incidents.services import MAX_DELAY, TEXT_MAX
from plugins.logistics.incidents.sweep import MESSAGE_MAX


def _id_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class IncidentForm(PortalForm):
    """The view fills the kinds and the order's tasks."""

    kind = SelectField(_l("What happened"))
    task_id = SelectField(_l("Task held up"), coerce=_id_or_none, validate_choice=False)
    delay_hours = DecimalField(_l("Expected delay (working hours)"), places=None,
                               validators=[InputRequired(), FixedPoint(HOURS_FIGURE),
                                           NumberRange(min=0, max=float(MAX_DELAY))])
    description = TextAreaField(_l("Description (internal)"), filters=[stripped],
                                validators=[DataRequired(), Length(max=TEXT_MAX)])


class ResolveForm(PortalForm):
    resolution = TextAreaField(_l("How it was resolved"), filters=[stripped],
                               validators=[DataRequired(), Length(max=TEXT_MAX)])


class EscalateForm(PortalForm):
    """Nothing to fill in: the button and its CSRF token."""


class ConfirmNoticeForm(PortalForm):
    message = TextAreaField(_l("Words to the customer (optional)"), filters=[stripped],
                            validators=[Length(max=MESSAGE_MAX)])
