"""Analytics of the company's orders (procedure section 九): regions, RFM segments, monthly trends, product
and channel mix, each one aggregate query over the core's orders, lines and customers."""
