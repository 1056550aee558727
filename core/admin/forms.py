"""Forms of the administration pages."""
import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DecimalField, EmailField, FileField, Form, IntegerField, PasswordField, SelectField,
    SelectMultipleField, StringField, TextAreaField, ValidationError,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core.entry.forms import LookupField
from core.figures import MONEY, RATE
from core.forms import FixedPoint, PortalForm, TaxpayerId, stripped
from core.invoicing import TAX_ID_LENGTHS
from core.labels import choices
from core.models import DeliveryMethod, InvoiceType, PaymentTerms

E = TypeVar("E", bound=enum.Enum)


def optional(enum_class: type[E]) -> Callable[[object], E | None]:
    """Coerce a select's value to ``enum_class``; the empty choice is none."""

    def coerce(value: object) -> E | None:
        return enum_class(value) if value else None

    return coerce


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(PortalForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=8)])
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    customer_id = SelectField(_l("Customer (for customer users)"), coerce=int, choices=[])
    superior_id = SelectField(_l("Superior (escalation)"), coerce=int, choices=[])
    active = BooleanField(_l("Active"), default=True)


class ModuleForm(PortalForm):
    pass


class RolesForm(PortalForm):
    """The permission matrix; its checkboxes are read from the request by name."""


class CustomerFields(Form):
    """A customer's fields and their checks: the customer page's, and the new customer on the order form."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=60)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=60)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    credit_limit = DecimalField(_l("Credit limit"), places=2, default=Decimal("0.00"),
                                validators=[InputRequired(), FixedPoint(MONEY), NumberRange(min=0)])
    payment_terms = SelectField(_l("Default payment terms"), coerce=PaymentTerms, choices=[])
    delivery_method = SelectField(_l("Default delivery method"), coerce=optional(DeliveryMethod), choices=[])
    # The invoice profile: what a 增值税 invoice prints of the buyer, as registered; orders take it by default.
    invoice_type = SelectField(_l("Invoice"), coerce=optional(InvoiceType), choices=[])
    invoice_title = StringField(_l("Invoice title (company name as registered)"),
                                validators=[Optional(), Length(max=200)])
    invoice_tax_id = StringField(_l("Taxpayer id"), filters=[stripped],
                                 validators=[Optional(), Length(max=max(TAX_ID_LENGTHS)), TaxpayerId()])
    invoice_bank_account = StringField(_l("Bank and account"), validators=[Optional(), Length(max=200)])
    invoice_address_phone = StringField(_l("Registered address and phone"), validators=[Optional(), Length(max=200)])

    def set_choices(self) -> None:
        """The selects' choices, labelled in the user's language."""
        self.payment_terms.choices = choices(PaymentTerms)
        self.delivery_method.choices = [SelectChoice("", _l("None: chosen with each order"))] + choices(DeliveryMethod)
        self.invoice_type.choices = [SelectChoice("", _l("No invoice"))] + choices(InvoiceType)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices()


def language_choices(default: Any) -> list[SelectChoice]:
    """The languages documents and emails are written in, after the empty choice (``default``)."""
    return [SelectChoice("", default), SelectChoice("zh_CN", "简体中文"), SelectChoice("en", "English")]


class CustomerForm(CustomerFields, PortalForm):
    # Every document and email to the customer is in it, whoever sends it; none: the company's language.
    language = SelectField(_l("Language of documents and emails"), coerce=lambda value: value or None,
                           choices=language_choices(_l("The company's language")))
    active = BooleanField(_l("Active"), default=True)


class ProductForm(PortalForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    specification = StringField(_l("Specification"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit"), default="pcs", validators=[DataRequired(), Length(max=16)])
    list_price = DecimalField(_l("List price"), places=2,
                              validators=[InputRequired(), FixedPoint(MONEY), NumberRange(min=0)])
    floor_price = DecimalField(_l("Floor price"), places=2,
                               validators=[InputRequired(), FixedPoint(MONEY), NumberRange(min=0)])
    tax_rate = DecimalField(_l("Tax rate"), places=4, default=Decimal("0.13"),
                            validators=[InputRequired(), FixedPoint(RATE), NumberRange(min=0, max=1)])
    # Left empty: no lead time (0 days).
    lead_time_days = IntegerField(_l("Lead time (days)"), default=0, filters=[lambda days: days or 0],
                                  validators=[Optional(), NumberRange(min=0, max=3650)])
    active = BooleanField(_l("Active"), default=True)

    def validate_floor_price(self, field: DecimalField) -> None:
        if self.list_price.errors or self.list_price.data is None or field.data is None:
            return  # nothing to compare with (a refused list price is reported on its own)
        if field.data > self.list_price.data:
            raise ValidationError(_l("must not exceed the list price"))


class CustomerPriceForm(PortalForm):
    """One line of a customer's price list: a product and the price agreed for it."""

    product_id = LookupField(_l("Product"), kind="product",
                             validators=[DataRequired(_l("Choose the product the price is for."))])
    unit_price = DecimalField(_l("Agreed unit price (net of tax)"), places=2,
                              validators=[InputRequired(), FixedPoint(MONEY), NumberRange(min=0)])


class CompanyProfileForm(PortalForm):
    """The seller's profile printed on every customer document; the logo is checked by the service."""

    legal_name = StringField(_l("Legal name"), validators=[Optional(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    tax_id = StringField(_l("Taxpayer id"), filters=[stripped],
                         validators=[Optional(), Length(max=max(TAX_ID_LENGTHS)), TaxpayerId()])
    bank = StringField(_l("Bank"), validators=[Optional(), Length(max=200)])
    bank_account = StringField(_l("Account number"), validators=[Optional(), Length(max=60)])
    language = SelectField(_l("Customers' language unless they choose another"), coerce=lambda value: value or None,
                           choices=language_choices(_l("The installation's default")))
    logo = FileField(_l("Logo (PNG or JPEG, at most 512 KB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
