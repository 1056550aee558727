"""A trylast listener that notes the status each event shows it: events must never nest."""
from core.hookspecs import hookimpl

SEEN: list[tuple[str, str]] = []


@hookimpl(trylast=True)
def order_submitted(order):
    SEEN.append(("order_submitted", order.status.value))


@hookimpl(trylast=True)
def review_decided(order, decision):
    SEEN.append(("review_decided", order.status.value))


@hookimpl(trylast=True)
def delivered(order, delivery):
    SEEN.append(("delivered", order.status.value))


@hookimpl(trylast=True)
def paid(order, payment):
    SEEN.append(("paid", order.status.value))


@hookimpl(trylast=True)
def order_completed(order):
    SEEN.append(("order_completed", order.status.value))


@hookimpl(trylast=True)
def production_started(order):
    SEEN.append(("production_started", order.status.value))
