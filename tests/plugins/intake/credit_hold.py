"""A stand-in credit department for intake's tests: customers whose code is in HELD are on hold."""
from core.hookspecs import hookimpl
from core.models import Company, Customer
from core.plugins import Manifest

HELD: dict[str, str] = {}
ASKED: list[str] = []  # the customers asked about, in turn


@hookimpl
def customer_credit_hold(company: Company, customer: Customer) -> str | None:
    ASKED.append(customer.code)
    return HELD.get(customer.code)


MANIFEST = Manifest(name="credit_hold", version="0", hooks="tests.plugins.intake.credit_hold",
                    default_enabled=True)
