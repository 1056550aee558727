"""A listener that refuses every submission: the submission must roll back whole."""
from core.errors import Conflict
from core.hookspecs import hookimpl


@hookimpl
def order_submitted(order):
    raise Conflict("the warehouse system refused the order")
