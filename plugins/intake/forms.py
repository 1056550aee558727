"""Forms of intake's portal pages: the order (customer and lines from core.entry), the order list's filters."""
from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from core.db import MAX_ID
from core.entry.forms import LookupField, filled_rows, line_data, line_rows
from core.models import Channel, DeliveryMethod, OrderStatus, PaymentTerms

E = TypeVar("E", bound=enum.Enum)


def _optional(enum_class: type[E]) -> Callable[[object], E | None]:
    """Coerce a select's value to ``enum_class``; the empty choice means "none chosen"."""

    def coerce(value: object) -> E | None:
        return enum_class(value) if value else None

    return coerce


class OrderForm(FlaskForm):
    customer_id = LookupField(_l("Customer"), kind="customer",
                              validators=[DataRequired(_l("Choose the customer who placed the order."))])
    channel = SelectField(_l("Received through"), coerce=Channel, choices=[])
    customer_reference = StringField(_l("Customer's reference"), validators=[Optional(), Length(max=64)])
    contact = StringField(_l("Contact (the customer's when empty)"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    delivery_address = TextAreaField(_l("Delivery address (the customer's when empty)"),
                                     validators=[Optional(), Length(max=2000)])
    requested_date = DateField(_l("Requested delivery date"), validators=[DataRequired()])
    payment_terms = SelectField(_l("Payment terms"), coerce=_optional(PaymentTerms), choices=[])
    delivery_method = SelectField(_l("Delivery method"), coerce=DeliveryMethod, choices=[])
    invoice_requirements = TextAreaField(_l("Invoice requirements"), validators=[Optional(), Length(max=2000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    lines = line_rows()

    def validate_lines(self, field: FieldList) -> None:
        if not filled_rows(field):
            raise ValidationError(_l("Enter at least one line."))

    def order_data(self) -> dict:
        """The form as the service's ``data``: empty strings left to the service's defaults."""
        data = {key: self[key].data for key in (
            "customer_id", "channel", "customer_reference", "contact", "phone", "delivery_address",
            "requested_date", "payment_terms", "delivery_method", "invoice_requirements", "notes")}
        if "lines" in self:  # a user who may not see prices edits the header only
            data["lines"] = line_data(self.lines)
        return data


class OrderFilterForm(Form):
    """The order list's filters, read from the query string."""

    status = SelectField(_l("Status"), coerce=_optional(OrderStatus), choices=[])
    number = StringField(_l("Order number"), validators=[Optional(), Length(max=32)])
    customer_id = SelectField(_l("Customer"), coerce=int, choices=[], default=0)
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class ActionForm(FlaskForm):
    """A button that posts nothing but its CSRF token (submit)."""
