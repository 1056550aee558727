"""A plugin of a company's own, used by the tests: a quality step and two small rules."""
from core.contracts import Finding, ReviewStepSpec, Verdict
from core.hookspecs import hookimpl

QUALITY = ReviewStepSpec("quality", "Quality", "review.decide.production", sequence=25, hours=12)


@hookimpl
def review_steps(order):
    return [QUALITY]


@hookimpl
def review_rules(order, change):
    if order.customer_reference == "BLOCKED":
        # No department named: the review files it under the round's first step.
        return [Finding(rule="blocklist", verdict=Verdict.REJECT, reason_codes=("customer_blocked",),
                        message="The customer is on the blocklist.")]
    return [Finding(rule="loyalty", verdict=Verdict.APPROVE, reason_codes=("regular_customer",),
                    message="A regular customer since 2019.", department="sales")]
