"""What the core's and the plugins' portal forms share: the check of figures (money, quantities, rates)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms.validators import StopValidation

from core.figures import Fixed


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
