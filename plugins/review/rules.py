"""The review plugin's own contributions to a review: the three departments' steps and the built-in rules.

They are returned through the same hooks (``review_steps``, ``review_rules``)
that a third-party plugin implements, so the built-in policy is one plugin's
opinion among others, not a special case.
"""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contracts import Finding, ReviewStepSpec, Verdict
from core.models import Order

SALES = ReviewStepSpec("sales", _l("Sales"), "review.decide.sales", sequence=10, hours=24)
FINANCE = ReviewStepSpec("finance", _l("Finance"), "review.decide.finance", sequence=20, hours=24)
PRODUCTION = ReviewStepSpec("production", _l("Production"), "review.decide.production", sequence=30, hours=48)
# Added by the credit-limit rule: a manager signs off before finance looks at the order.
MANAGER = ReviewStepSpec("manager", _l("Manager"), "review.decide.manager", sequence=15, hours=8)


def standard_steps(order: Order) -> list[ReviewStepSpec]:
    """Every order is reviewed by sales, finance and production, in that order."""
    return [SALES, FINANCE, PRODUCTION]


def floor_price(order: Order) -> Finding | None:
    """Finance rejects an order with a line priced below its product's floor price."""
    codes = sorted({line.product.code for line in order.lines if line.unit_price < line.product.floor_price})
    if not codes:
        return None
    # The message names the products but not the prices: production reads it too.
    return Finding(
        rule="floor_price",
        verdict=Verdict.REJECT,
        reason_codes=("price_below_floor",),
        message=_("Priced below the floor price: %(products)s", products=", ".join(codes)),
        department="finance",
        params={"products": ", ".join(codes)},
    )


def credit_limit(order: Order) -> Finding | None:
    """An order above the customer's credit limit needs a manager's approval too."""
    if order.total <= order.customer.credit_limit:
        return None
    return Finding(
        rule="credit_limit",
        verdict=Verdict.NEEDS_STEP,
        reason_codes=("credit_limit_exceeded",),
        message=_("The order total exceeds the credit limit of %(customer)s; a manager must approve it.",
                  customer=order.customer.name),
        department="sales",
        step=MANAGER,
        params={"customer": order.customer.name},
    )


RULES: tuple[Callable[[Order], Finding | None], ...] = (floor_price, credit_limit)


def check(order: Order, change: object | None = None) -> list[Finding]:
    """Run the built-in rules on the order; an empty list means nothing to report."""
    return [finding for rule in RULES if (finding := rule(order)) is not None]
