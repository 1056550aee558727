"""A plugin of a company's own, written as a third party would: goods inspection before shipping.

The core's hook tests install it to see each contribution arrive: its permission
and role, its menu item and page, its inbox tasks, its order panel, its
certificate of conformity and the timeline's name for its audit action. It keeps
no table of its own: an inspection is its audit entry.
"""
