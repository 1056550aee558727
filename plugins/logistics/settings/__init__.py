"""Logistics' settings page: how the company ships (carriers, partial delivery, the check) and whether a new
expected date goes to the customer at once."""
