"""The order aggregate's behaviour: state machine, totals, queries and core actions."""
from core.orders.state import TRANSITIONS, advance, allowed_events
from core.orders.totals import compute_totals, money

__all__ = ["TRANSITIONS", "advance", "allowed_events", "compute_totals", "money"]
