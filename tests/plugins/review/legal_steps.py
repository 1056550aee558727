"""A plugin of a company's own, used by the tests: legal review for orders over 1,000,000, beside finance."""
from decimal import Decimal

from core.contracts import ReviewStepSpec
from core.hookspecs import hookimpl
from core.plugins import Manifest

LEGAL = ReviewStepSpec("legal", "Legal", "review.decide.manager", sequence=20, hours=16)
THRESHOLD = Decimal("1000000.00")

MANIFEST = Manifest(name="legal", version="1.0", hooks="tests.plugins.review.legal_steps", depends=("review",),
                    default_enabled=True)


@hookimpl
def review_steps(order):
    return [LEGAL] if order.total > THRESHOLD else []
