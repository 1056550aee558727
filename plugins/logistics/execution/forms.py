"""Portal forms of execution plans: confirm a plan, re-plan a task, complete one, edit a template."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateTimeLocalField, DecimalField, Form, FormField, SelectField, SelectMultipleField,
    StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.entry.forms import LineRows, LookupField
from core.figures import QUANTITY
from core.forms import FixedPoint, PortalForm, stripped
from plugins.logistics.execution.catalog import CODE_MAX, NAME_MAX
from plugins.logistics.execution.models import HOURS_FIGURE
from plugins.logistics.execution.services import NOTE_MAX


def _id_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class ConfirmPlanForm(PortalForm):
    accept_late = BooleanField(_l("I accept that this plan misses the promised date"))


class AdjustTaskForm(PortalForm):
    """The planner's changes to one task; the view fills the choices and reads the due date in the company's time."""

    assignee_id = SelectField(_l("Responsible"), coerce=_id_or_none, validate_choice=False)
    due_at = DateTimeLocalField(_l("Due"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    depends_on = SelectMultipleField(_l("Waits for"), coerce=int, validate_choice=False)
    accept_late = BooleanField(_l("Due after the promised date: I accept it"))


class StartTaskForm(PortalForm):
    """Nothing to fill in: the button and its CSRF token."""


class CompleteTaskForm(PortalForm):
    note = TextAreaField(_l("Note (optional)"), filters=[stripped], validators=[Length(max=NOTE_MAX)])
    quantity_done = DecimalField(_l("Quantity done (optional)"), places=None,
                                 validators=[Optional(), FixedPoint(QUANTITY), NumberRange(min=0)])


class TemplateTaskRow(Form):
    """One task of the template's line table; a row without a key and a name is left out."""

    key = StringField(_l("Key"), filters=[stripped], validators=[Length(max=32)])
    name = StringField(_l("Task"), filters=[stripped], validators=[Length(max=NAME_MAX)])
    kind = SelectField(_l("Kind"), validate_choice=False)
    role = SelectField(_l("Department"), validate_choice=False)
    user_id = SelectField(_l("Person"), coerce=_id_or_none, validate_choice=False)
    hours = DecimalField(_l("Working hours"), places=None, validators=[Optional(), FixedPoint(HOURS_FIGURE)])
    depends_on = StringField(_l("Waits for (keys)"), filters=[stripped], validators=[Length(max=400)])

    @property
    def filled(self) -> bool:
        return bool(self.key.data or self.name.data)


class TemplateForm(PortalForm):
    code = StringField(_l("Code"), filters=[stripped], validators=[DataRequired(), Length(max=CODE_MAX)])
    name = StringField(_l("Product line"), filters=[stripped], validators=[DataRequired(), Length(max=NAME_MAX)])
    is_default = BooleanField(_l("Default: makes every product that no template lists"))
    active = BooleanField(_l("In use"), default=True)
    product = LookupField(_l("Add a product"), kind="product")
    lines = LineRows(FormField(TemplateTaskRow), _l("Tasks"), min_entries=1)


def task_rows(form: TemplateForm) -> list[dict[str, Any]]:
    """The filled task rows as the catalog's ``tasks``."""
    return [{"key": row.form.key.data or "", "name": row.form.name.data or "", "kind": row.form.kind.data or None,
             "role": row.form.role.data or None, "user_id": row.form.user_id.data, "hours": row.form.hours.data,
             "depends_on": row.form.depends_on.data or ""}
            for row in form.lines if row.form.filled]


def choose(form: TemplateForm, kinds: list[Any], roles: list[Any], people: list[Any]) -> None:
    """Give every task row its choices (a row added by "Add a line" too)."""
    for row in form.lines:
        row.form.kind.choices = kinds
        row.form.role.choices = roles
        row.form.user_id.choices = people
