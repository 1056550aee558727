"""An example third-party Ordo plugin: a review rule on the lead time of an order."""
