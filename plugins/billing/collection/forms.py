"""Forms of collection on the customer's account page: a promise to pay, a follow-up, a hold or its release.
The dunning levels' page is a table of rows read by ``views.levels_from_form``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.figures import MONEY
from core.forms import FixedPoint, PortalForm
from core.labels import choices
from plugins.billing.collection.follow_ups import OUTCOME_MAX
from plugins.billing.collection.hold import REASON_MAX
from plugins.billing.collection.models import FollowUpKind
from plugins.billing.collection.promises import NOTE_MAX


class PromiseForm(PortalForm):
    invoice_id = IntegerField(_l("Invoice"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    amount = DecimalField(_l("Amount"), places=2, validators=[InputRequired(), FixedPoint(MONEY)])
    promised_for = DateField(_l("Promised for"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])


class FollowUpForm(PortalForm):
    kind = SelectField(_l("What was done"), default=FollowUpKind.CALLED.value)
    invoice_id = IntegerField(_l("Invoice"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    outcome = TextAreaField(_l("Outcome"), validators=[InputRequired(), Length(max=OUTCOME_MAX)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(FollowUpKind)


class ReasonForm(PortalForm):
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=REASON_MAX)])
