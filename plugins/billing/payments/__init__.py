"""Payments: money received from customers, allocated to their invoices, and the prepayment gate.

The payment, its allocations and the prepayment shares (``models``); what has
been received per order (``ledger``); what each invoice still owes, the
oldest-first suggestion and the customer's credit (``allocations``); recording,
allocating, applying credit, reversing, the gate and finance's inbox
(``services``); a customer's account (``account``); what customers owe on
their invoices (``receivables``); the portal pages (``views``) and API (``api``).
"""
