"""A rule plugin that reads the typed change: more than 100 units asked for in a change is rejected."""
from decimal import Decimal

from core.contracts import Finding, Verdict
from core.hookspecs import hookimpl

SEEN: list = []


@hookimpl
def review_rules(order, change):
    if change is None:
        return []
    SEEN.append(change)
    if any(line.quantity is not None and line.quantity > Decimal("100") for line in change.lines):
        return [Finding(rule="change_quantity", verdict=Verdict.REJECT, reason_codes=("too_many_units",),
                        message="more than 100 units in one change", department="production")]
    return []
