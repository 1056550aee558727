"""Portal forms of the logistics plugin: prepare, dispatch and sign for a shipment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length

from core.forms import PortalForm

from plugins.logistics.shipments.services import CARRIER_MAX, RESERVATIONS_MAX, SIGNED_BY_MAX, TRACKING_MAX

RATING_LABELS = {
    1: _l("1 - very dissatisfied"),
    2: _l("2 - dissatisfied"),
    3: _l("3 - acceptable"),
    4: _l("4 - satisfied"),
    5: _l("5 - very satisfied"),
}


def rating_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("No rating"))] + [
        SelectChoice(str(value), text) for value, text in RATING_LABELS.items()
    ]


class ShipmentForm(PortalForm):
    """Prepare a shipment; also used when dispatching, where a carrier may be filled in late."""

    carrier = StringField(_l("Carrier"), validators=[Length(max=CARRIER_MAX)])
    tracking_number = StringField(_l("Tracking number"), validators=[Length(max=TRACKING_MAX)])


class AcceptanceForm(PortalForm):
    signed_by = StringField(_l("Signed for by"), validators=[DataRequired(), Length(max=SIGNED_BY_MAX)])
    reservations = TextAreaField(_l("Reservations (optional)"), validators=[Length(max=RESERVATIONS_MAX)])
    rating = SelectField(_l("Satisfaction"), choices=rating_choices)

    @property
    def rating_value(self) -> int | None:
        return int(self.rating.data) if self.rating.data else None
