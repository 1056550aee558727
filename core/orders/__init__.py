"""The order aggregate's behaviour: its events, totals, queries and core actions."""
from core.orders.events import (
    EVENTS, EventFact, OrderEvent, allowed_events, apply_change, cancel, complete, decide_review, deliver,
    record_payment, request_change, reverse_payment, review_overdue, settle, ship, start_production, submit,
)
from core.orders.totals import compute_totals, money

__all__ = [
    "EVENTS", "EventFact", "OrderEvent", "allowed_events", "apply_change", "cancel", "complete", "compute_totals",
    "decide_review", "deliver", "money", "record_payment", "request_change", "reverse_payment", "review_overdue",
    "settle", "ship", "start_production", "submit",
]
