"""Forms of statements: the customer's dispute of chosen lines and stamped copy, staff's answer, and finance's
statement day and invoicing of monthly orders."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, FileField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.entry.forms import LookupField

from core.figures import MONEY
from core.forms import FixedPoint, PortalForm
from core.labels import choices
from plugins.billing.statements.models import MonthlyInvoicing, Resolution
from plugins.billing.statements.services import ANSWER_MAX


class ConfirmForm(PortalForm):
    """Nothing to fill in: the button, and the CSRF token."""


class DisputeForm(PortalForm):
    """The lines are checkboxes named ``line`` with a reason field ``reason-<line_no>`` each (the line table)."""

    attachment = FileField(_l("Stamped copy (PNG, JPEG or PDF, at most 5 MB)"))


class ResolveForm(PortalForm):
    resolution = SelectField(_l("Answer"), default=Resolution.EXPLANATION.value)
    answer = TextAreaField(_l("Answer to the customer"), validators=[InputRequired(), Length(max=ANSWER_MAX)])
    amount = DecimalField(_l("Amount to credit"), places=2, validators=[Optional(), FixedPoint(MONEY)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.resolution.choices = choices(Resolution)


class StatementDayForm(PortalForm):
    statement_day = IntegerField(_l("Statement day"), validators=[InputRequired(), NumberRange(min=1, max=31)])
    customer_id = LookupField(_l("For one customer (from their contract)"), kind="customer",
                              validators=[Optional()])


class MonthlyInvoicingForm(PortalForm):
    monthly_invoicing = SelectField(_l("Invoice monthly-settlement orders"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.monthly_invoicing.choices = choices(MonthlyInvoicing)
