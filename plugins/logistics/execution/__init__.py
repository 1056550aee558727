"""Execution plans: per product line a template of tasks, drafted into each approved order's plan.

The logistics plugin's first feature besides shipments: templates (``catalog``),
the date arithmetic of a plan (``schedule``), drafting, adjusting, confirming and
working a plan (``services``), its pages (``views``) and API (``api``).
"""
