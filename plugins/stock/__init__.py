"""The stock plugin: warehouses, a ledger of stock moves and the balance it keeps; a module that is not a stage."""
