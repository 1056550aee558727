"""Collection: dunning, promises to pay, follow-ups and credit hold.

The company's dunning levels (``levels``) and the run that sends each overdue
invoice's next notice once (``dunning``: the ``billing.dunning`` job and
``ordo billing dunning``), the formal letter's PDF (``letters``), promises to
pay that pause dunning (``promises``), follow-ups and the overdue lists of
sales and finance (``follow_ups``, ``inbox``), the credit hold (``hold``); the
tables (``models``), the portal pages (``views``) and the API (``api``).
"""
