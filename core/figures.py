"""Fixed-point figures (money, quantities, rates): what their columns hold, and the one check of input.

A figure that its column cannot hold exactly is refused, never rounded: the API's
fields and the portal's forms both ask ``Fixed.refusal``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from flask_babel import gettext as _


class Fixed(NamedTuple):
    """A fixed-point column: ``precision`` digits in all, ``scale`` of them after the point."""

    precision: int
    scale: int

    @property
    def step(self) -> Decimal:
        """The smallest amount the column tells apart: 0.01 for money."""
        return Decimal(1).scaleb(-self.scale)

    @property
    def largest(self) -> Decimal:
        """The largest value the column holds: 999999999999.99 for money."""
        return Decimal(10) ** (self.precision - self.scale) - self.step

    def refusal(self, value: Decimal) -> str | None:
        """Why the column cannot hold ``value`` exactly, or None when it can."""
        if not value.is_finite():
            return _("Not a valid decimal value.")
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.scale:
            return _("must have at most %(places)s decimal places; it is not rounded", places=self.scale)
        if abs(value) > self.largest:
            return _("must have at most %(digits)s digits before the decimal point",
                     digits=self.precision - self.scale)
        return None


MONEY = Fixed(14, 2)
QUANTITY = Fixed(14, 3)
RATE = Fixed(6, 4)
