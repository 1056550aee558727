"""Forms of the kpi plugin."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import Optional

from core.forms import PortalForm


class PeriodForm(PortalForm):
    """The period of the dashboard, sent as GET parameters (a bookmarkable link, no CSRF)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
