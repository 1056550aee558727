"""Forms of payments: recording a payment (from the order page or a customer's account), reversing one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, DecimalField, SelectField, StringField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms.validators import InputRequired, Length, Optional

from core.figures import MONEY
from core.forms import FixedPoint, PortalForm
from core.labels import choices
from plugins.billing.payments.models import PaymentMethod


class PaymentForm(PortalForm):
    amount = DecimalField(_l("Amount"), places=2, validators=[InputRequired(), FixedPoint(MONEY)])
    received_at = DateTimeLocalField(_l("Received at"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                     validators=[Optional()])
    method = SelectField(_l("Method"), default=PaymentMethod.BANK_TRANSFER.value)
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = choices(PaymentMethod)


class ReverseForm(PortalForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=500)])
