"""What the core's and the plugins' portal forms share: their base class, which refuses control characters
in every text field, and the check of figures (money, quantities, rates) and of taxpayer ids."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from core.figures import Fixed
from core.invoicing import tax_id_refusal
from core.untrusted_text import control_refusal


class PortalForm(FlaskForm):
    """A portal form: FlaskForm that also refuses control characters in every text field, its subforms' and
    its rows' included, as a field error naming the character. A text area may hold newlines, a one-line
    field only tabs; a password, hashed and never shown, may hold anything."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        refused = [_refuse_controls(field) for field in self]
        return valid and not any(refused)


def _refuse_controls(field: Field) -> bool:
    """Add a control character's error to a text field (or the text fields within); whether one was added."""
    if isinstance(field, FormField):
        return any([_refuse_controls(subfield) for subfield in field.form])
    if isinstance(field, FieldList):
        if not any([_refuse_controls(entry) for entry in field.entries]):
            return False
        field.errors = [entry.errors for entry in field.entries]  # as FieldList.validate gathers them
        return True
    if not isinstance(field, StringField) or isinstance(field, PasswordField) or not isinstance(field.data, str):
        return False
    refusal = control_refusal(field.data, multiline=isinstance(field, TextAreaField))
    if refusal is None:
        return False
    field.errors = [*field.errors, refusal]
    return True


class FixedPoint:
    """Refuse a figure that its column cannot hold exactly (too many places or digits, NaN); never round it.

    Put it before range checks: it stops the chain, so they never compare a NaN.
    """

    def __init__(self, fixed: Fixed) -> None:
        self.fixed = fixed

    def __call__(self, form: Any, field: Any) -> None:
        if not isinstance(field.data, Decimal):
            return
        refusal = self.fixed.refusal(field.data)
        if refusal is not None:
            raise StopValidation(refusal)


def stripped(value: Any) -> Any:
    """A text field's value without its surrounding spaces (a filter); nothing else of it changes."""
    return value.strip() if isinstance(value, str) else value


class TaxpayerId:
    """Refuse a text that cannot be a taxpayer id (纳税人识别号), naming why; an empty one is none."""

    def __call__(self, form: Any, field: Any) -> None:
        refusal = tax_id_refusal(field.data) if field.data else None
        if refusal:
            raise ValidationError(refusal)
