"""Cycle times: how long each stage's work takes, its median and 90th percentile."""
