"""Portal forms of problem cases: report a problem, resolve a case."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from typing import Any

from wtforms import DecimalField, SelectField, TextAreaField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.figures import QUANTITY
from core.forms import FixedPoint, PortalForm
from core.models import Order
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


def _line_id(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


def line_choices(order: Order) -> list[SelectChoice]:
    return [SelectChoice("", _l("The whole order"))] + [
        SelectChoice(str(line.id), f"{line.line_no}. {line.description}") for line in order.lines]


class ReportForm(PortalForm):
    """A problem with goods received: its type, what is wrong, and which line and how many when it is one line's."""

    case_type = SelectField(_l("Problem"), choices=lambda: [SelectChoice(kind.value, text) for kind, text in TYPE_LABELS.items()])
    description = TextAreaField(_l("What is wrong"), validators=[DataRequired(), Length(max=DESCRIPTION_MAX)])
    # The view lists the order's lines; the service refuses a line of another order.
    order_line_id = SelectField(_l("Line (optional)"), coerce=_line_id, validate_choice=False, default="")
    quantity = DecimalField(_l("Quantity concerned (optional)"), places=None,
                            validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])

    def data_for_service(self) -> dict[str, Any]:
        return {"case_type": self.case_type.data, "description": self.description.data,
                "order_line_id": self.order_line_id.data, "quantity": self.quantity.data}


class ResolveForm(PortalForm):
    resolution = SelectField(_l("Resolution"),
                             choices=lambda: [SelectChoice(how.value, text) for how, text in RESOLUTION_LABELS.items()])
    amount = DecimalField(_l("Credit amount"), places=2, validators=[Optional()])
    note = TextAreaField(_l("Note (the reason when rejected)"), validators=[Length(max=NOTE_MAX)])
