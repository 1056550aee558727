"""Forms of the review plugin's pages: a decision, an override, a delay, and the settings page's sections."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DecimalField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField,
    SelectMultipleField, StringField, TextAreaField, TimeField,
)
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from core.contracts import StepPolicy
from core.forms import FixedPoint, PortalForm
from core.figures import QUANTITY, Fixed
from plugins.review.policy import MAX_STEPS
from plugins.review.services import REASON_MAX, StepDecision

DECISION_LABELS = {
    StepDecision.APPROVE: _l("Approve"),
    StepDecision.REJECT: _l("Reject"),
    StepDecision.SEND_BACK: _l("Send back for information"),
}
POLICY_LABELS = {
    StepPolicy.ANY: _l("Any one approves"),
    StepPolicy.ALL: _l("All must approve"),
    StepPolicy.QUORUM: _l("N of M approve"),
}
WEEKDAYS = [SelectChoice(number, name) for number, name in (
    (1, _l("Monday")), (2, _l("Tuesday")), (3, _l("Wednesday")), (4, _l("Thursday")), (5, _l("Friday")),
    (6, _l("Saturday")), (7, _l("Sunday")))]
CODE = Regexp(r"^[a-z0-9_]*$", message=_l("lower-case letters, digits and underscores"))


class DecisionForm(PortalForm):
    """An open step's decision; the service insists on a reason code and a reason for reject and send back."""

    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice(choice.value, DECISION_LABELS[choice]) for choice in StepDecision],
        validators=[DataRequired()],
    )
    reason_code = StringField(_l("Reason code"), validators=[Optional(), Length(max=64)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)])
    version = HiddenField(validators=[Optional(), Regexp(r"^\d+$")])


class ReasonForm(PortalForm):
    """An override of a blocking finding, or a delay notice: the reason in words."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)])


class GeneralForm(PortalForm):
    allow_self_approval = BooleanField(_l("The person who entered an order may approve its sales step"))
    max_discount = DecimalField(_l("Largest discount off the list price (share, e.g. 0.20)"),
                                validators=[DataRequired(), FixedPoint(Fixed(5, 4)), NumberRange(min=0, max=1)])


class StepRowForm(Form):
    """One step of the settings page; the pickers' choices (permissions, roles, users, each shown by its
    label or name) are the company's, set by :func:`offer_choices`."""

    department = StringField(_l("Code"), validators=[Optional(), CODE, Length(max=64)])
    label = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    permission = SelectField(_l("Who may decide it (permission)"), choices=[], validators=[Optional()])
    sequence = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0, max=1000)])
    hours = IntegerField(_l("Limit (working hours)"), validators=[Optional(), NumberRange(min=1, max=24 * 365)])
    policy = SelectField(_l("Policy"), choices=[SelectChoice(p.value, POLICY_LABELS[p]) for p in StepPolicy],
                         validators=[Optional()])
    quorum = IntegerField(_l("Approvals (N)"), default=1, validators=[Optional(), NumberRange(min=1, max=50)])
    roles = SelectMultipleField(_l("Only these roles"), choices=[], validators=[Optional()],
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    users = SelectMultipleField(_l("Only these people"), coerce=int, choices=[], validators=[Optional()])
    enabled = BooleanField(_l("Applies"), default=True)


class StepsForm(PortalForm):
    steps = FieldList(FormField(StepRowForm), min_entries=1, max_entries=MAX_STEPS + 1)  # and a blank one


def offer_choices(form: StepsForm, *, permissions: list[SelectChoice], roles: list[SelectChoice],
                  users: list[SelectChoice]) -> None:
    """Give every step row its pickers' choices; a blank permission is the step's own (``review.decide.<code>``)."""
    own = SelectChoice("", _l("The step's own permission"))
    for entry in form.steps:
        entry.form.permission.choices = [own, *permissions]
        entry.form.roles.choices = roles
        entry.form.users.choices = users


class ReasonRowForm(Form):
    code = StringField(_l("Code"), validators=[Optional(), CODE, Length(max=64)])
    label_en = StringField(_l("English"), validators=[Optional(), Length(max=200)])
    label_zh = StringField(_l("Chinese"), validators=[Optional(), Length(max=200)])


class ReasonsForm(PortalForm):
    reasons = FieldList(FormField(ReasonRowForm), min_entries=1, max_entries=50)


class CapacityForm(PortalForm):
    code = StringField(_l("Product line"), validators=[DataRequired(), CODE, Length(max=32)])
    label = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    products = StringField(_l("Product codes (comma-separated)"), validators=[Optional(), Length(max=1000)])
    units_per_day = DecimalField(_l("Units per working day"),
                                 validators=[DataRequired(), FixedPoint(QUANTITY), NumberRange(min=0)])
    lead_days = IntegerField(_l("Lead time (working days)"), default=0,
                             validators=[Optional(), NumberRange(min=0, max=365)])


class CalendarForm(PortalForm):
    weekdays = SelectMultipleField(_l("Working days"), coerce=int, choices=WEEKDAYS)
    day_start = TimeField(_l("Day starts"), validators=[DataRequired()])
    day_end = TimeField(_l("Day ends (00:00: midnight)"), validators=[DataRequired()])
    holidays = TextAreaField(_l("Holidays (one a line: YYYY-MM-DD name)"), validators=[Optional(), Length(max=8000)])
