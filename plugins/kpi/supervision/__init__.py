"""Supervision (procedure section 十): the audit browser, late steps and escalations, stuck orders, changes
and overrides with their reasons, and the confidential channel for reporting a suspected violation."""
