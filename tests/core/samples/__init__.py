"""Tiny plugins used by the core's tests."""
