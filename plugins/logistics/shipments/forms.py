"""Portal forms of the logistics plugin: prepare a shipment by line, check it, dispatch it, sign for it whole,
and an order's own choice on partial delivery."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from core.figures import QUANTITY
from core.forms import FixedPoint, PortalForm, stripped
from core.models import DeliveryMethod
from plugins.logistics.shipments.models import CheckResult, Shipment, ShipmentLine
from plugins.logistics.shipments.services import (
    CARRIER_MAX, DRIVER_MAX, LOT_MAX, PHONE_MAX, REASON_MAX, RESERVATIONS_MAX, SIGNED_BY_MAX, TRACKING_MAX,
    VEHICLE_MAX, WAYBILL_MAX,
)

RATING_LABELS = {
    1: _l("1 - very dissatisfied"),
    2: _l("2 - dissatisfied"),
    3: _l("3 - acceptable"),
    4: _l("4 - satisfied"),
    5: _l("5 - very satisfied"),
}
# Lot or serial numbers are typed one a line, or separated by commas (a Chinese comma too).
LOT_SEPARATORS = re.compile(r"[\n,，;；]+")
# The fields each delivery mode shows when it is prepared and when it leaves (the services' MODE_FIELDS).
PREPARE_FIELDS = {
    DeliveryMethod.EXPRESS: ("carrier", "tracking_number"),
    DeliveryMethod.FREIGHT: ("carrier", "vehicle", "driver_name", "driver_phone", "waybill_number"),
    DeliveryMethod.PICKUP: (),
}
DISPATCH_FIELDS = {**PREPARE_FIELDS, DeliveryMethod.PICKUP: ("collected_by",)}


def rating_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("No rating"))] + [
        SelectChoice(str(value), text) for value, text in RATING_LABELS.items()
    ]


class ModeFields(PortalForm):
    """The delivery modes' own fields; a page shows only the chosen mode's (``PREPARE_FIELDS``)."""

    carrier = StringField(_l("Carrier"), filters=[stripped], validators=[Length(max=CARRIER_MAX)])
    tracking_number = StringField(_l("Tracking number"), filters=[stripped], validators=[Length(max=TRACKING_MAX)])
    vehicle = StringField(_l("Vehicle"), filters=[stripped], validators=[Length(max=VEHICLE_MAX)])
    driver_name = StringField(_l("Driver"), filters=[stripped], validators=[Length(max=DRIVER_MAX)])
    driver_phone = StringField(_l("Driver's phone"), filters=[stripped], validators=[Length(max=PHONE_MAX)])
    waybill_number = StringField(_l("Waybill number"), filters=[stripped], validators=[Length(max=WAYBILL_MAX)])

    def given(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The values of the fields ``names`` (the ones the page showed), None for an empty one."""
        return {name: self[name].data or None for name in names if name in self}


class ShipLineRow(Form):
    """One order line of a shipment being prepared: how much of what remains goes in it."""

    line_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    quantity = DecimalField(_l("Quantity to ship"), places=None,
                            validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])

    @property
    def filled(self) -> bool:
        return self.quantity.data is not None and self.quantity.data > 0


class PrepareShipmentForm(ModeFields):
    """A shipment of some quantity of some lines, in one delivery mode, with that mode's fields."""

    delivery_method = HiddenField()
    lines = FieldList(FormField(ShipLineRow), min_entries=0)

    def line_data(self) -> list[dict[str, Any]] | None:
        """The rows with a quantity, as the service's ``lines``; None when the form sent no rows (all that remains)."""
        if not self.lines.entries:
            return None
        return [{"order_line_id": row.form.line_id.data, "quantity": row.form.quantity.data}
                for row in self.lines if row.form.filled]


class CheckRow(Form):
    """One line's pre-dispatch check: the quantity counted, pass or fail (with the reason), lots or serials."""

    line_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    quantity = DecimalField(_l("Counted"), places=None, validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])
    result = SelectField(_l("Result"), choices=lambda: [SelectChoice("", "—"), SelectChoice(CheckResult.PASSED.value, _l("Pass")),
                                                        SelectChoice(CheckResult.FAILED.value, _l("Fail"))])
    reason = StringField(_l("Reason for a fail"), filters=[stripped], validators=[Length(max=REASON_MAX)])
    lot_numbers = TextAreaField(_l("Lot or serial numbers (one a line)"), filters=[stripped],
                                validators=[Length(max=(LOT_MAX + 1) * 2000)])

    @property
    def filled(self) -> bool:
        return bool(self.result.data)

    def entry(self) -> dict[str, Any]:
        lots = [part.strip() for part in LOT_SEPARATORS.split(self.lot_numbers.data or "") if part.strip()]
        found: dict[str, Any] = {"order_line_id": self.line_id.data, "result": self.result.data,
                                 "reason": self.reason.data or None, "lot_numbers": lots or None}
        if self.quantity.data is not None:
            found["confirmed_quantity"] = self.quantity.data
        return found


class CheckForm(PortalForm):
    lines = FieldList(FormField(CheckRow), min_entries=0)

    def entries(self) -> list[dict[str, Any]]:
        return [row.form.entry() for row in self.lines if row.form.filled]


def check_form(shipment: Shipment) -> CheckForm:
    """The check form of a shipment, one row a line, with what was recorded (the shipped quantity when unchecked)."""
    return CheckForm(formdata=None, data={"lines": [_check_row(line) for line in shipment.lines]})


def _check_row(line: ShipmentLine) -> dict[str, Any]:
    counted: Decimal = line.confirmed_quantity if line.confirmed_quantity is not None else line.quantity
    return {"line_id": line.order_line_id, "quantity": Decimal(format(counted.normalize(), "f")),
            "result": line.check_result.value if line.check_result else "", "reason": line.check_reason or "",
            "lot_numbers": "\n".join(line.lot_numbers or [])}


class DispatchForm(ModeFields):
    """What the mode still asks when the goods leave (a tracking number known only then; who collected a pickup)."""

    collected_by = StringField(_l("Collected by"), filters=[stripped], validators=[Length(max=SIGNED_BY_MAX)])


class AcceptanceForm(PortalForm):
    signed_by = StringField(_l("Signed for by"), validators=[DataRequired(), Length(max=SIGNED_BY_MAX)])
    reservations = TextAreaField(_l("Reservations (optional)"), validators=[Length(max=RESERVATIONS_MAX)])
    rating = SelectField(_l("Satisfaction"), choices=rating_choices)

    @property
    def rating_value(self) -> int | None:
        return int(self.rating.data) if self.rating.data else None


PARTIAL_CHOICES = {"company": _l("As the company's setting says"), "allowed": _l("May leave in parts"),
                   "whole": _l("Leaves whole, in one shipment")}


class PartialDeliveryForm(PortalForm):
    """The order's own choice on partial delivery, over the company's setting."""

    partial = SelectField(_l("Partial delivery for this order"),
                          choices=lambda: [SelectChoice(key, text) for key, text in PARTIAL_CHOICES.items()])

    @property
    def allowed(self) -> bool | None:
        return {"allowed": True, "whole": False}.get(self.partial.data or "company")
