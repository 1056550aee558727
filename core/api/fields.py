"""Marshmallow fields every API schema shares: exact figures, strict ids, taxpayer ids.

A figure with more places or digits than its column holds is refused, never
rounded; an id is a JSON integer, never ``1.5``, ``"1"`` or ``true``; a
taxpayer id loses its surrounding spaces and nothing else.
"""
from __future__ import annotations

import decimal
from typing import Any

import marshmallow as ma
from marshmallow import validate
from werkzeug.datastructures import FileStorage

from core.db import MAX_ID
from core.figures import MONEY, QUANTITY, RATE, Fixed
from core.invoicing import TAX_ID_LENGTHS, tax_id_refusal


class FixedDecimal(ma.fields.Decimal):
    """A decimal string that its column holds exactly; read as a Decimal of the column's scale.

    The OpenAPI document describes it as what is sent: a string with a pattern
    (``decimal2properties``), never a number.
    """

    def __init__(self, fixed: Fixed, *, example: str | None = None, **kwargs: Any) -> None:
        metadata = {"description": f"a decimal string, at most {fixed.scale} decimal places"}
        if example is not None:
            metadata["example"] = example
        kwargs["metadata"] = {**metadata, **(kwargs.get("metadata") or {})}
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
    return FixedDecimal(MONEY, example="123.45", **kwargs)


def is_money(field: ma.fields.Field) -> bool:
    """Whether a field carries amounts (``metadata={"money": ...}``): hidden from who may not see prices."""
    return bool(field.metadata.get(MONEY_FLAG))


def QuantityField(**kwargs: Any) -> FixedDecimal:  # noqa: N802
    kwargs["metadata"] = {MONEY_FLAG: False, **(kwargs.get("metadata") or {})}
    return FixedDecimal(QUANTITY, example="12.5", **kwargs)


def RateField(**kwargs: Any) -> FixedDecimal:  # noqa: N802
    """A rate from 0 to 1 (a tax rate of 13 % is ``"0.13"``); not an amount unless its metadata says so."""
    kwargs.setdefault("validate", validate.Range(min=decimal.Decimal("0"), max=decimal.Decimal("1")))
    kwargs["metadata"] = {MONEY_FLAG: False, **(kwargs.get("metadata") or {})}
    return FixedDecimal(RATE, example="0.13", **kwargs)


def decimal_pattern(*, digits: int | None, places: int | None, signed: bool) -> str:
    """The pattern of a decimal string: ``digits`` before the point at most, ``places`` after."""
    whole = rf"\d{{1,{digits}}}" if digits else r"\d+"
    fraction = rf"(\.\d{{1,{places}}})?" if places else ("" if places == 0 else r"(\.\d+)?")
    return f"^{'-?' if signed else ''}{whole}{fraction}$"


def _refuses_negatives(field: ma.fields.Field) -> bool:
    return any(isinstance(v, validate.Range) and v.min is not None and v.min >= 0 for v in field.validators)


# What a number has and a string must not: bounds, as OpenAPI or as apispec's extension for non-numbers.
NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "x-minimum",
                    "x-maximum")


def decimal2properties(self: Any, field: ma.fields.Field, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a Decimal sent as a string is documented as a string with a pattern.

    Registered on the API's marshmallow plugin (``OrdoApi``); apispec calls it for
    every field after its own functions, which wrote the Decimal as a number with
    its Range as bounds (``"minimum": "0.00"``, a string, which OpenAPI refuses).
    A bound a pattern cannot say (more than zero, at most 1) stays in the description.
    """
    if not isinstance(field, ma.fields.Decimal) or not field.as_string:
        return {}
    for keyword in NUMERIC_KEYWORDS:
        ret.pop(keyword, None)
    places = field.places
    scale = None if places is None else -int(places.as_tuple().exponent)
    if isinstance(field, FixedDecimal):
        pattern = decimal_pattern(digits=field.fixed.precision - field.fixed.scale, places=field.fixed.scale,
                                  signed=not _refuses_negatives(field))
    else:
        pattern = decimal_pattern(digits=None, places=scale, signed=not _refuses_negatives(field))
    return {"type": "string", "format": "decimal", "pattern": pattern}


def IdField(*, in_query: bool = False, **kwargs: Any) -> ma.fields.Integer:  # noqa: N802
    """The id of a row: a JSON integer from 1; ``1.5``, ``"1"`` and ``true`` are refused.

    In a query string every value is text, so there the digits of an integer are the id.
    """
    kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID))
    return ma.fields.Integer(strict=not in_query, **kwargs)


class TaxIdField(ma.fields.String):
    """A taxpayer id (纳税人识别号) without its surrounding spaces.

    ``checked`` refuses one that cannot be a taxpayer id (a customer's); an order keeps
    what was entered, up to ``max_length`` characters, and its checks name a wrong one.
    """

    def __init__(self, *, checked: bool = True, max_length: int = max(TAX_ID_LENGTHS), **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        self.checked, self.max_length = checked, max_length
        kwargs["validate"] = self._refuse
        description = ("18 characters (the unified social credit code), or 15 or 20 for an older taxpayer id; "
                       "digits and upper-case letters") if checked else "as entered; the checks name a wrong one"
        kwargs["metadata"] = {"description": description, "maxLength": max_length, **(kwargs.get("metadata") or {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()  # empty: none, as the services keep it

    def _refuse(self, value: str | None) -> None:
        if not value:
            return
        validate.Length(max=self.max_length)(value)
        refusal = tax_id_refusal(value) if self.checked else None
        if refusal:
            raise ma.ValidationError(refusal)


class UploadField(ma.fields.Field):
    """A file sent in a multipart/form-data body."""

    default_error_messages = {"invalid": "must be a file sent as multipart/form-data"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage) or not value.filename:
            raise self.make_error("invalid")
        return value
