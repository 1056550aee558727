"""Statements: the monthly reconciliation (对账单) the customer confirms or disputes line by line.

The statement, its lines, disputes and stored PDF (``models``); the statement
run that makes one per customer on the statement day (``run``: the
``billing.statements`` job and ``ordo billing statements``); confirming,
disputing and resolving (``services``); the PDF (``documents``); the inbox
tasks of open disputes (``inbox``); the portal pages (``views``) and the API
(``api``).
"""
