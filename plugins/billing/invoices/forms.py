"""Forms of invoices: finance records a fapiao from the order page's billing section."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from core.figures import MONEY
from core.forms import FixedPoint, PortalForm
from core.labels import choices
from plugins.billing.invoices.models import FapiaoType


class FapiaoForm(PortalForm):
    fapiao_type = SelectField(_l("Fapiao type"), default=FapiaoType.SPECIAL.value)
    code = StringField(_l("Fapiao code"), validators=[Optional(), Length(max=12)])
    number = StringField(_l("Fapiao number"), validators=[InputRequired(), Length(max=20)])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired()])
    amount = DecimalField(_l("Amount"), places=2, validators=[InputRequired(), FixedPoint(MONEY)])
    credit_note_id = IntegerField(_l("Red-letter, for credit note"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fapiao_type.choices = choices(FapiaoType)
