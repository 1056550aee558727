"""Payments: money received against orders, and the prepayment gate.

The payment (``models``), what has been received (``ledger``), recording a
payment and the gate and inbox built on it (``services``), what customers owe
(``receivables``), the payment form (``views``) and API (``api``).
"""
