"""Portal form of acceptance line by line: the rating and comment (the lines' verdicts are one row each)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from core.forms import PortalForm
from plugins.logistics.acceptance.services import COMMENT_MAX
from plugins.logistics.shipments.forms import rating_choices
from plugins.logistics.shipments.services import SIGNED_BY_MAX


class LineAcceptanceForm(PortalForm):
    """The delivery's rating and comment; each line's verdict comes as ``verdict-<line id>`` and its fellows."""

    signed_by = StringField(_l("Signed for by"), validators=[Length(max=SIGNED_BY_MAX)])
    rating = SelectField(_l("Satisfaction"), choices=rating_choices)
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=COMMENT_MAX)])

    @property
    def rating_value(self) -> int | None:
        return int(self.rating.data) if self.rating.data else None
