"""A plugin that keeps the ``paid`` events it receives, to check the payload billing sends."""
from core.contracts import Payment
from core.hookspecs import hookimpl
from core.plugins import Manifest

MANIFEST = Manifest(name="paid_listener", version="0", hooks="tests.plugins.billing.listener",
                    default_enabled=True)

RECEIVED: list[tuple[int, Payment]] = []


@hookimpl
def paid(order, payment: Payment) -> None:
    RECEIVED.append((order.id, payment))
