"""Incidents and at-risk warnings: what holds an order's execution up, and the customer told before the date slips.

Staff record incidents on an order or a task with their expected delay in working
hours, escalate them to a manager and record their resolution (``services``). The
sweep (``sweep``: ``ordo logistics sweep`` and the ``logistics.risk_sweep`` job)
compares each confirmed plan's remaining work and open incidents with its promised
date, flags the plans that can no longer make it with their new expected date, and
notifies the customer once per new date, after the salesperson confirms it or at once.
"""
