"""Forms of the change request pages: the change to an order's lines and terms, and the acknowledgement."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import enum
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, DecimalField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField,
    StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from core.contracts import LineChange
from core.db import MAX_ID
from core.figures import MONEY, QUANTITY
from core.forms import FixedPoint, PortalForm
from core.models import PaymentTerms
from core.models.order import DeliveryMethod
from plugins.review.changes import REASON_MAX, SPECIFICATION_MAX, ChangeInput

E = TypeVar("E", bound=enum.Enum)


def _optional(enum_class: type[E]) -> Callable[[object], E | None]:
    def coerce(value: object) -> E | None:
        return enum_class(value) if value else None
    return coerce


class ChangeLineForm(Form):
    """One line of the order: its new quantity, price or specification, or removing it (empty: unchanged)."""

    line_no = IntegerField(validators=[NumberRange(min=1, max=MAX_ID)])
    quantity = DecimalField(_l("New quantity"), places=None,
                            validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])
    unit_price = DecimalField(_l("New unit price"), places=None,
                              validators=[Optional(), FixedPoint(MONEY), NumberRange(min=0)])
    specification = StringField(_l("New specification"), validators=[Optional(), Length(max=SPECIFICATION_MAX)])
    remove = BooleanField(_l("Remove the line"))


class ChangeForm(PortalForm):
    lines = FieldList(FormField(ChangeLineForm), max_entries=200)
    add_product_id = SelectField(_l("Add a product"), coerce=int, choices=[], default=0)
    add_quantity = DecimalField(_l("Quantity of the added product"), places=None,
                                validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])
    requested_date = DateField(_l("New delivery date"), validators=[Optional()])
    delivery_method = SelectField(_l("New delivery method"), coerce=_optional(DeliveryMethod), choices=[])
    payment_terms = SelectField(_l("New payment terms"), coerce=_optional(PaymentTerms), choices=[])
    reason = TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=REASON_MAX)])

    def change_input(self, prices: bool) -> ChangeInput:
        """The form as the service's input: a line row that asks nothing is left out."""
        lines = []
        for row in self.lines:
            line = row.form
            specification = (line.specification.data or "").strip() or None
            price: Decimal | None = line.unit_price.data if prices else None
            if line.remove.data:
                lines.append(LineChange(line_no=line.line_no.data, remove=True))
            elif line.quantity.data is not None or price is not None or specification is not None:
                lines.append(LineChange(line_no=line.line_no.data, quantity=line.quantity.data, unit_price=price,
                                        specification=specification))
        if self.add_product_id.data:
            lines.append(LineChange(product_id=self.add_product_id.data, quantity=self.add_quantity.data))
        return ChangeInput(lines=tuple(lines), requested_date=self.requested_date.data,
                           delivery_method=self.delivery_method.data, payment_terms=self.payment_terms.data,
                           reason=self.reason.data)


class PromiseForm(PortalForm):
    promised_date = DateField(_l("Delivery date we can promise"), validators=[DataRequired()])
    version = HiddenField(validators=[Optional(), Regexp(r"^\d+$")])


class AcknowledgeForm(PortalForm):
    version = HiddenField(validators=[Optional(), Regexp(r"^\d+$")])
