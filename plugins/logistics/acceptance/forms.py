"""Portal forms of acceptance line by line: the rating and comment (the lines' verdicts are one row each),
and a photo or PDF attached to the delivery."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from typing import Any

from werkzeug.datastructures import FileStorage
from wtforms import FileField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation

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


def _chosen(form: Any, field: Any) -> None:
    if not isinstance(field.data, FileStorage) or not field.data.filename:
        raise StopValidation(_l("Choose a file to attach."))


class AttachmentForm(PortalForm):
    """A photo (PNG, JPEG) or a PDF of the delivery; the service reads its type from the content."""

    file = FileField(_l("Photo or PDF (at most 5 MB)"), validators=[_chosen])
