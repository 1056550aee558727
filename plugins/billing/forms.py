"""Forms of the billing pages: recording a payment, filtering the invoice list."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, DecimalField, Form, IntegerField, SelectField, StringField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.db import MAX_ID
from core.figures import MONEY
from core.forms import FixedPoint
from core.labels import choices
from plugins.billing.models import InvoiceStatus, PaymentMethod


class PaymentForm(FlaskForm):
    amount = DecimalField(_l("Amount"), places=2, validators=[InputRequired(), FixedPoint(MONEY)])
    received_at = DateTimeLocalField(_l("Received at"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                     validators=[Optional()])
    method = SelectField(_l("Method"), default=PaymentMethod.BANK_TRANSFER.value)
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = choices(PaymentMethod)


class InvoiceFilterForm(Form):
    """The invoice list's filters, read from the query string."""

    status = SelectField(_l("Status"), validators=[Optional()])
    number = StringField(_l("Invoice or order number"), validators=[Optional(), Length(max=40)])
    overdue = BooleanField(_l("Overdue only"))
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", str(_l("Any")))] + choices(InvoiceStatus)
