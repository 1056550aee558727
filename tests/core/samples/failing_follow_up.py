"""A listener that refuses every review decision: a follow-up event that raises."""
from core.errors import Conflict
from core.hookspecs import hookimpl


@hookimpl
def review_decided(order, decision):
    raise Conflict("the ERP bridge refused the decision")
