"""Forms of intake's portal pages: the order with a fixed number of line rows, the list filters, submission."""
from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField, DateTimeLocalField, DecimalField, FieldList, Form, FormField, IntegerField, SelectField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from core.db import MAX_ID
from core.figures import MONEY, QUANTITY
from core.forms import FixedPoint
from core.models import Channel, DeliveryMethod, OrderStatus, PaymentTerms

E = TypeVar("E", bound=enum.Enum)

LINE_ROWS = 5


def _optional(enum_class: type[E]) -> Callable[[object], E | None]:
    """Coerce a select's value to ``enum_class``; the empty choice means "none chosen"."""

    def coerce(value: object) -> E | None:
        return enum_class(value) if value else None

    return coerce


class LineForm(Form):
    """One line row; a row without a product is left out."""

    product_id = SelectField(_l("Product"), coerce=int, choices=[], default=0)
    quantity = DecimalField(_l("Quantity"), places=None,
                            validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])
    unit_price = DecimalField(_l("Unit price (list price when empty)"), places=None,
                              validators=[Optional(), FixedPoint(MONEY), NumberRange(min=0)])

    def validate_quantity(self, field: DecimalField) -> None:
        if self.product_id.data and field.data is None:
            raise ValidationError(_l("Enter the quantity of the chosen product."))
        if field.data is not None and not self.product_id.data:
            raise ValidationError(_l("Choose the product for this quantity."))

    @property
    def filled(self) -> bool:
        return bool(self.product_id.data)


class OrderForm(FlaskForm):
    customer_id = SelectField(_l("Customer"), coerce=int, choices=[], validators=[DataRequired()])
    channel = SelectField(_l("Received through"), coerce=Channel, choices=[])
    # Receipt: where the order came from and when (company-local time; now when empty).
    source_reference = StringField(_l("Source reference (platform order id, email subject and date, caller)"),
                                   validators=[Optional(), Length(max=200)])
    received_at = DateTimeLocalField(_l("Received at (now when empty)"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
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
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=50)
    # Ticked once the clerk has checked that an order flagged as a possible duplicate is distinct.
    confirm_duplicate = BooleanField(_l("This is a distinct order, not one already entered"))

    def validate_lines(self, field: FieldList) -> None:
        if not any(row.form.filled for row in field):
            raise ValidationError(_l("Enter at least one line."))

    def order_data(self) -> dict:
        """The form as the service's ``data``: empty strings left to the service's defaults."""
        data = {key: self[key].data for key in (
            "customer_id", "channel", "source_reference", "received_at",
            "customer_reference", "contact", "phone", "delivery_address",
            "requested_date", "payment_terms", "delivery_method", "invoice_requirements", "notes")}
        if "lines" in self:  # a user who may not see prices edits the header only
            data["lines"] = [
                {"product_id": row.form.product_id.data, "quantity": row.form.quantity.data,
                 "unit_price": row.form.unit_price.data}
                for row in self.lines if row.form.filled
            ]
        return data


class OrderFilterForm(Form):
    """The order list's filters, read from the query string."""

    status = SelectField(_l("Status"), coerce=_optional(OrderStatus), choices=[])
    number = StringField(_l("Order number"), validators=[Optional(), Length(max=32)])
    customer_id = SelectField(_l("Customer"), coerce=int, choices=[], default=0)
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class SubmitForm(FlaskForm):
    """The re-check page's confirmation: the draft's version as shown, and what the clerk confirms."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    confirm_warnings = BooleanField(_l("I have checked the warnings above; submit the order as it is"))
    confirm_duplicate = BooleanField(_l("This is a distinct order, not one already entered"))


class WaitingForm(FlaskForm):
    """Send a draft back to the customer: what is missing, and whether to email them."""

    missing = TextAreaField(_l("What is missing or doubtful"), validators=[DataRequired(), Length(max=2000)])
    email = BooleanField(_l("Email the customer"))
