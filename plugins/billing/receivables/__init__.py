"""Collection: what customers still owe, invoice by invoice and day by day (open items), and its ageing."""
