"""Forms of the administration pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


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
