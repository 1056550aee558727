"""Records every stage event it sees, so tests can count them."""
from core.hookspecs import hookimpl

SEEN: list[tuple[str, int, str]] = []


def _note(event: str, order, detail: str = "") -> None:
    SEEN.append((event, order.id, detail))


@hookimpl
def order_submitted(order):
    _note("order_submitted", order)


@hookimpl
def review_decided(order, decision):
    _note("review_decided", order, decision.outcome.value)


@hookimpl
def delivered(order, delivery):
    _note("delivered", order)


@hookimpl
def paid(order, payment):
    _note("paid", order, "full" if payment.fully_paid else "partial")


@hookimpl
def order_completed(order):
    _note("order_completed", order)


@hookimpl
def change_requested(order, change):
    _note("change_requested", order, f"r{change.base_revision}")


@hookimpl
def order_changed(order, change):
    _note("order_changed", order, f"r{order.revision}")


@hookimpl
def production_started(order):
    _note("production_started", order, order.status.value)
