"""The procedure's four indicators: timeliness, accuracy, satisfaction and collection, as aggregate queries."""
