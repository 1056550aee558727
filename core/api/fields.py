"""Marshmallow fields every API schema shares: exact figures and strict ids.

A figure with more places or digits than its column holds is refused, never
rounded; an id is a JSON integer, never ``1.5``, ``"1"`` or ``true``.
"""
from __future__ import annotations

import decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate

from core.db import MAX_ID
from core.figures import MONEY, QUANTITY, RATE, Fixed


class FixedDecimal(ma.fields.Decimal):
    """A decimal string that its column holds exactly; read as a Decimal of the column's scale."""

    def __init__(self, fixed: Fixed, **kwargs: Any) -> None:
        kwargs["metadata"] = {"description": f"a decimal string, at most {fixed.scale} decimal places",
                              **(kwargs.get("metadata") or {})}
        super().__init__(places=fixed.scale, as_string=True, **kwargs)
        self.fixed = fixed

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> decimal.Decimal:
        if value is True or value is False or not isinstance(value, (str, int, float, decimal.Decimal)):
            raise self.make_error("invalid")
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation as error:
            raise self.make_error("invalid") from error
        if not number.is_finite():
            raise self.make_error("special")
        refusal = self.fixed.refusal(number)
        if refusal is not None:
            raise ma.ValidationError(refusal)
        return number.quantize(self.fixed.step)  # exact: only trailing zeros change


MONEY_FLAG = "money"


def MoneyField(**kwargs: Any) -> FixedDecimal:  # noqa: N802 - reads like a type
    """An amount of money, 0 or more unless ``validate`` says otherwise.

    Its metadata says ``money``: ``core.api.schemas.PricedSchema`` answers it as null
    to a caller who may not see prices.
    """
    kwargs.setdefault("validate", validate.Range(min=decimal.Decimal("0")))
    kwargs["metadata"] = {MONEY_FLAG: True, **(kwargs.get("metadata") or {})}
    return FixedDecimal(MONEY, **kwargs)


def is_money(field: ma.fields.Field) -> bool:
    """Whether a field carries amounts (``metadata={"money": ...}``): hidden from who may not see prices."""
    return bool(field.metadata.get(MONEY_FLAG))


def QuantityField(**kwargs: Any) -> FixedDecimal:  # noqa: N802
    kwargs["metadata"] = {MONEY_FLAG: False, **(kwargs.get("metadata") or {})}
    return FixedDecimal(QUANTITY, **kwargs)


def RateField(**kwargs: Any) -> FixedDecimal:  # noqa: N802
    """A rate from 0 to 1 (a tax rate of 13 % is ``"0.13"``); not an amount unless its metadata says so."""
    kwargs.setdefault("validate", validate.Range(min=decimal.Decimal("0"), max=decimal.Decimal("1")))
    kwargs["metadata"] = {MONEY_FLAG: False, **(kwargs.get("metadata") or {})}
    return FixedDecimal(RATE, **kwargs)


def IdField(*, in_query: bool = False, **kwargs: Any) -> ma.fields.Integer:  # noqa: N802
    """The id of a row: a JSON integer from 1; ``1.5``, ``"1"`` and ``true`` are refused.

    In a query string every value is text, so there the digits of an integer are the id.
    """
    kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID))
    return ma.fields.Integer(strict=not in_query, **kwargs)
