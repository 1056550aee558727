"""Forms of intake's portal pages: the order (customer and lines from core.entry), submission, waiting."""
from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, FieldList, FormField, IntegerField, SelectField, StringField,
    TextAreaField,
)
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from core.admin.forms import CustomerFields
from core.db import MAX_ID
from core.entry.forms import LookupField, filled_rows, line_data, line_rows
from core.forms import PortalForm, stripped
from core.models import Channel, DeliveryMethod, InvoiceType, PaymentTerms
from core.models.order import ORDER_TAX_ID_LENGTH
from plugins.intake.services import FROM_CUSTOMER

# The invoice select's choice for an order without an invoice (the empty choice is the customer's invoice).
NO_INVOICE = "none"

E = TypeVar("E", bound=enum.Enum)


def _optional(enum_class: type[E]) -> Callable[[object], E | None]:
    """Coerce a select's value to ``enum_class``; the empty choice means "none chosen"."""

    def coerce(value: object) -> E | None:
        return enum_class(value) if value else None

    return coerce


def _invoice_type(value: object) -> InvoiceType | str | None:
    """The invoice select's value: the customer's (empty), none, or a type."""
    if value in ("", None, FROM_CUSTOMER):
        return FROM_CUSTOMER
    if value == NO_INVOICE:
        return None
    return InvoiceType(str(value))


class NewCustomerField(FormField):
    """A customer entered with the order, checked as the customer page checks one; left empty, nothing."""

    @property
    def given(self) -> bool:
        return any((self.form[name].data or "").strip() for name in ("code", "name"))

    def validate(self, form: BaseForm, extra_validators: tuple[Any, ...] | list[Any] = ()) -> bool:
        return super().validate(form, extra_validators) if self.given else True


class OrderForm(PortalForm):
    customer_id = LookupField(_l("Customer"), kind="customer")
    # Removed for whoever may not create customers.
    new_customer = NewCustomerField(CustomerFields, _l("New customer"))
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
    delivery_method = SelectField(_l("Delivery method"), coerce=_optional(DeliveryMethod), choices=[])
    # The invoice: the customer's profile by default (its type, and each detail left empty), kept as entered.
    invoice_type = SelectField(_l("Invoice"), coerce=_invoice_type, choices=[])
    invoice_title = StringField(_l("Invoice title (company name as registered)"),
                                validators=[Optional(), Length(max=200)])
    invoice_tax_id = StringField(_l("Taxpayer id"), filters=[stripped],
                                 validators=[Optional(), Length(max=ORDER_TAX_ID_LENGTH)])
    invoice_bank_account = StringField(_l("Bank and account"), validators=[Optional(), Length(max=200)])
    invoice_address_phone = StringField(_l("Registered address and phone"), validators=[Optional(), Length(max=200)])
    invoice_requirements = TextAreaField(_l("Other invoice requirements"), validators=[Optional(), Length(max=2000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    lines = line_rows()
    # Ticked once the clerk has checked that an order flagged as a possible duplicate is distinct.
    confirm_duplicate = BooleanField(_l("This is a distinct order, not one already entered"))
    # Ticked to submit from the form an order whose checks warn (the re-check page's box).
    confirm_warnings = BooleanField(_l("I have checked the warnings marked above; submit the order as it is"))
    warnings_found = False  # set when the checks shown beside the fields include warnings to confirm

    @property
    def creates_customer(self) -> bool:
        return "new_customer" in self and self.new_customer.given

    def validate_customer_id(self, field: LookupField) -> None:
        if field.data is None and not self.creates_customer:
            raise ValidationError(_l("Choose the customer who placed the order, or enter a new customer."))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.creates_customer and self.customer_id.errors:
            self.customer_id.errors = []  # the new customer is the order's, whatever was typed in the look-up
            self._errors = None
            valid = not self.errors
        return valid

    def customer_data(self) -> dict:
        """The new customer as the master-data service's ``data``: blank text becomes None."""
        data = {name: value for name, value in self.new_customer.data.items()}
        return {name: (value.strip() or None) if isinstance(value, str) and name not in {"code", "name"} else value
                for name, value in data.items()}

    def validate_lines(self, field: FieldList) -> None:
        if not filled_rows(field):
            raise ValidationError(_l("Enter at least one line."))

    def order_data(self) -> dict:
        """The form as the service's ``data``: empty strings left to the service's defaults."""
        data = {key: self[key].data for key in (
            "customer_id", "channel", "source_reference", "received_at",
            "customer_reference", "contact", "phone", "delivery_address",
            "requested_date", "payment_terms", "delivery_method", "invoice_type", "invoice_title", "invoice_tax_id",
            "invoice_bank_account", "invoice_address_phone", "invoice_requirements", "notes")}
        if "lines" in self:  # a user who may not see prices edits the header only
            data["lines"] = line_data(self.lines)
        return data


class ActionForm(PortalForm):
    """A button that posts nothing but its CSRF token."""


class SubmitForm(PortalForm):
    """The re-check page's confirmation: the draft's version as shown, and what the clerk confirms."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    confirm_warnings = BooleanField(_l("I have checked the warnings above; submit the order as it is"))
    confirm_duplicate = BooleanField(_l("This is a distinct order, not one already entered"))


class WaitingForm(PortalForm):
    """Send a draft back to the customer: what is missing, and whether to email them."""

    missing = TextAreaField(_l("What is missing or doubtful"), validators=[DataRequired(), Length(max=2000)])
    email = BooleanField(_l("Email the customer"))
