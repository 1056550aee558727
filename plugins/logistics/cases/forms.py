"""Portal forms of problem cases: report a problem, resolve a case."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, TextAreaField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, Optional

from core.forms import PortalForm
from plugins.logistics.cases.models import CaseType, Resolution
from plugins.logistics.cases.services import DESCRIPTION_MAX, NOTE_MAX

TYPE_LABELS = {
    CaseType.QUALITY: _l("Quality"), CaseType.QUANTITY_SHORT: _l("Quantity short"),
    CaseType.WRONG_ITEM: _l("Wrong item"), CaseType.DAMAGED: _l("Damaged"), CaseType.LATE: _l("Late"),
    CaseType.OTHER: _l("Other"),
}
RESOLUTION_LABELS = {
    Resolution.REPLACE: _l("Replace (ship the quantity again)"), Resolution.REPAIR: _l("Repair"),
    Resolution.RETURN: _l("Return"), Resolution.CREDIT: _l("Credit"), Resolution.REJECTED: _l("Reject"),
}


class ReportForm(PortalForm):
    case_type = SelectField(_l("Problem"), choices=lambda: [SelectChoice(kind.value, text) for kind, text in TYPE_LABELS.items()])
    description = TextAreaField(_l("What is wrong"), validators=[DataRequired(), Length(max=DESCRIPTION_MAX)])


class ResolveForm(PortalForm):
    resolution = SelectField(_l("Resolution"),
                             choices=lambda: [SelectChoice(how.value, text) for how, text in RESOLUTION_LABELS.items()])
    amount = DecimalField(_l("Credit amount"), places=2, validators=[Optional()])
    note = TextAreaField(_l("Note (the reason when rejected)"), validators=[Length(max=NOTE_MAX)])
