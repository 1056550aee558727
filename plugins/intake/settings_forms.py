"""The form of intake's settings page: the order number's format, the duplicate window, portal ordering."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from core.forms import PortalForm

from plugins.intake.settings import MAX_WINDOW_DAYS


class IntakeSettingsForm(PortalForm):
    """What ``plugins.intake.settings.update_settings`` changes; it checks the format itself."""

    number_format = StringField(
        _l("Order number format"), validators=[InputRequired(), Length(max=64)],
        description=_l("The company's prefix, the day of submission and the day's sequence, written as in the "
                       "box; the day and the sequence are both needed, so that no two orders share a number."))
    duplicate_window_days = IntegerField(
        _l("Duplicate window (days)"), validators=[InputRequired(), NumberRange(min=0, max=MAX_WINDOW_DAYS)],
        description=_l("Orders of one customer with the same lines received this many days apart are flagged as "
                       "possible duplicates; 0 flags none."))
    portal_submits_directly = BooleanField(
        _l("Customers' portal orders are submitted at once, without a clerk's re-check"),
        description=_l("Only when nothing needs confirming; otherwise the order waits for a clerk."))
