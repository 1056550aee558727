"""Forms of the login and account pages."""
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length

from core.forms import PortalForm


class LoginForm(PortalForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class LanguageForm(PortalForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "简体中文"), SelectChoice("en", "English")])


class TokenForm(PortalForm):
    name = StringField(_l("What will use the token"), validators=[DataRequired(), Length(max=120)])


class RevokeForm(PortalForm):
    pass
