"""What the core's and the plugins' portal forms share: the check of figures (money, quantities, rates)
and of taxpayer ids."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms.validators import StopValidation, ValidationError

from core.figures import Fixed
from core.invoicing import tax_id_refusal


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
