"""Shipments: an order leaves in one or more shipments of its lines, each checked before dispatch.

Shipments with lines and quantities, delivery modes with their own fields
(``models``), preparing, checking, dispatching and signing for them
(``services``), the company's shipping settings (``settings``), the delivery
note and the certificate of conformity (``documents``), pages (``views``) and
API (``api``).
"""
