"""Forms of intake's portal pages: the order (customer and lines from core.entry), submission, waiting."""
from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, FieldList, IntegerField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from core.db import MAX_ID
from core.entry.forms import LookupField, filled_rows, line_data, line_rows
from core.models import Channel, DeliveryMethod, PaymentTerms

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
    lines = line_rows()
    # Ticked once the clerk has checked that an order flagged as a possible duplicate is distinct.
    confirm_duplicate = BooleanField(_l("This is a distinct order, not one already entered"))

    def validate_lines(self, field: FieldList) -> None:
        if not filled_rows(field):
            raise ValidationError(_l("Enter at least one line."))

    def order_data(self) -> dict:
        """The form as the service's ``data``: empty strings left to the service's defaults."""
        data = {key: self[key].data for key in (
            "customer_id", "channel", "source_reference", "received_at",
            "customer_reference", "contact", "phone", "delivery_address",
            "requested_date", "payment_terms", "delivery_method", "invoice_requirements", "notes")}
        if "lines" in self:  # a user who may not see prices edits the header only
            data["lines"] = line_data(self.lines)
        return data


class ActionForm(FlaskForm):
    """A button that posts nothing but its CSRF token."""


class SubmitForm(FlaskForm):
    """The re-check page's confirmation: the draft's version as shown, and what the clerk confirms."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    confirm_warnings = BooleanField(_l("I have checked the warnings above; submit the order as it is"))
    confirm_duplicate = BooleanField(_l("This is a distinct order, not one already entered"))


class WaitingForm(FlaskForm):
    """Send a draft back to the customer: what is missing, and whether to email them."""

    missing = TextAreaField(_l("What is missing or doubtful"), validators=[DataRequired(), Length(max=2000)])
    email = BooleanField(_l("Email the customer"))
