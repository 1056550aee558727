"""A plugin that keeps the ``paid`` events and the collection notifications it receives, to check the payloads
billing sends."""
from typing import Any

from core.contracts import DunningLevelReached, Payment, PaymentPromised, PromiseSettled
from core.hookspecs import hookimpl
from core.plugins import Manifest

MANIFEST = Manifest(name="paid_listener", version="0", hooks="tests.plugins.billing.listener",
                    default_enabled=True)

RECEIVED: list[tuple[int, Payment]] = []
# (hook, company id, payload) of the customer's collection notifications, in the order heard.
COLLECTION: list[tuple[str, int, Any]] = []


@hookimpl
def paid(order, payment: Payment) -> None:
    RECEIVED.append((order.id, payment))


@hookimpl
def dunning_level_reached(company, notices: tuple[DunningLevelReached, ...]) -> None:
    COLLECTION.append(("dunning_level_reached", company.id, notices))


@hookimpl
def payment_promised(company, promise: PaymentPromised) -> None:
    COLLECTION.append(("payment_promised", company.id, promise))


@hookimpl
def payment_promises_settled(company, promises: tuple[PromiseSettled, ...]) -> None:
    COLLECTION.append(("payment_promises_settled", company.id, promises))
