"""Invoices: what an order owes, issued by its payment terms.

The invoice (``models``), issuing and cancelling it (``services``), its PDF
(``documents``), the invoice list (``views``) and API (``api``).
"""
