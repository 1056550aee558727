"""Acceptance line by line: the customer (or the driver or customer service on their behalf) accepts,
accepts with reservations, or refuses each shipped line, and rates the delivery.

The per-line verdicts and the company's refusal reasons (``models``), recording them and
closing the shipment (``services``), and the API (``api``).
"""
