"""Problem cases: a refused line, a reservation, or a problem the customer reports later, routed by type
to a department with a time limit in working hours, and resolved by a replacement, a repair, a return,
a credit (approved, told to billing through ``credit_granted``) or a rejection with a reason.

The case (``models``), opening, routing and resolving it (``services``), and the API (``api``).
"""
