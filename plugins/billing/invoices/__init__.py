"""Invoices: what an order owes, issued by its payment terms, never edited after issue.

Invoice versions with their lines, credit notes, fapiao records and document
numbers (``models``); issuing, cancelling and listing invoices (``services``);
crediting them after a change or on a problem case (``credit_notes``); the
fapiao finance records (``fapiao``); numbering without gaps (``numbering``);
the PDFs (``documents``), the invoice list and finance's fapiao form
(``views``, ``forms``) and the API (``api``, ``schemas``).
"""
