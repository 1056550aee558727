"""Forms of the administration pages."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DecimalField, EmailField, Form, IntegerField, PasswordField, SelectField, SelectMultipleField,
    StringField, TextAreaField, ValidationError,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.entry.forms import LookupField
from core.figures import MONEY, RATE
from core.forms import FixedPoint
from core.models import PaymentTerms


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=8)])
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    customer_id = SelectField(_l("Customer (for customer users)"), coerce=int, choices=[])
    superior_id = SelectField(_l("Superior (escalation)"), coerce=int, choices=[])
    active = BooleanField(_l("Active"), default=True)


class ModuleForm(FlaskForm):
    pass


class RolesForm(FlaskForm):
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


class CustomerForm(CustomerFields, FlaskForm):
    active = BooleanField(_l("Active"), default=True)


class ProductForm(FlaskForm):
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


class CustomerPriceForm(FlaskForm):
    """One line of a customer's price list: a product and the price agreed for it."""

    product_id = LookupField(_l("Product"), kind="product",
                             validators=[DataRequired(_l("Choose the product the price is for."))])
    unit_price = DecimalField(_l("Agreed unit price (net of tax)"), places=2,
                              validators=[InputRequired(), FixedPoint(MONEY), NumberRange(min=0)])
