"""Order entry's shared parts: the type-ahead lookup of customers and products, the editable line table
with its live figures (the quote), and the inline errors of a form.

``core.entry.forms`` holds the fields and the line rows a plugin's form is built from;
``core.entry.views`` the two small endpoints the page's script calls. The macros are in
templates/macros.html (``lookup``, ``line_table``, ``field``, ``error_summary``).
"""
