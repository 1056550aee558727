"""Forms of the import pages: the upload, the mapping picked for the preview, the mapping editor, confirmation."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FileField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from core.labels import choices, label
from core.models import Channel
from core.forms import PortalForm
from plugins.intake.mappings import BUILT_IN, FIELDS, ColumnMapping


def mapping_choices(available: list[ColumnMapping]) -> dict[str, list[tuple[str, str]]]:
    """The mappings as a select's groups: the built-in ones, then the company's own (their labels as typed)."""
    built_in = [(mapping.name, str(mapping.label)) for mapping in available if mapping.name in BUILT_IN]
    saved = [(mapping.name, f"{mapping.label} ({label(mapping.channel)})")
             for mapping in available if mapping.name not in BUILT_IN]
    groups = {str(_l("Built-in mappings")): built_in}
    if saved:
        groups[str(_l("Saved mappings"))] = saved
    return groups


class UploadForm(PortalForm):
    # FlaskForm reads the request's files with its fields: the data is the upload (a FileStorage).
    file = FileField(_l("Order file (CSV in UTF-8 or GB18030, or Excel .xlsx)"))
    mapping = SelectField(_l("Column mapping"), choices=[], validate_choice=False)
    submit_orders = BooleanField(_l("Submit the good orders at once (otherwise they stay drafts to re-check)"))

    def validate_file(self, field: FileField) -> None:
        if not getattr(field.data, "filename", None):
            raise ValidationError(_l("Choose the file to import."))


class PickForm(PortalForm):
    """The mapping the preview reads the file with (a GET form)."""

    class Meta:
        csrf = False

    mapping = SelectField(_l("Column mapping"), choices=[], validate_choice=False)


class ConfirmForm(PortalForm):
    mapping = StringField(validators=[DataRequired()])
    submit_orders = BooleanField(_l("Submit the good orders at once (otherwise they stay drafts to re-check)"))


class DiscardForm(PortalForm):
    """A button that posts nothing but its CSRF token."""


class MappingForm(PortalForm):
    """A mapping of the file's own headers, saved for a channel: one select of the headers per field."""

    # Checked by plugins.intake.saved_mappings, whose messages stand next to these fields.
    name = StringField(_l("Name (a lower-case code, such as wechat-shop)"))
    label = StringField(_l("Label"))
    channel = SelectField(_l("Channel"), choices=[])

    def with_headers(self, headers: list[str]) -> MappingForm:
        """Give each field's select the file's headers to choose from; labels each field in the reader's language."""
        self.channel.choices = choices(Channel)
        for name in FIELDS:
            select = self[f"column_{name}"]
            select.choices = [("", str(_l("— not imported —")))] + [(header, header) for header in headers if header]
            select.label.text = label(name, "intake.field")
        return self

    def columns(self) -> dict[str, str]:
        return {name: self[f"column_{name}"].data or "" for name in FIELDS}

    def column_field(self, name: str) -> Any:
        return self[f"column_{name}"]


for _name in FIELDS:
    setattr(MappingForm, f"column_{_name}",
            SelectField(_name, choices=[], validate_choice=False))
del _name
