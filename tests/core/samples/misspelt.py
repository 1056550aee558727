"""A plugin with a typo in a hook name: start-up must refuse it."""
from core.hookspecs import hookimpl


@hookimpl
def order_submited(order):  # the spec is order_submitted
    return None
