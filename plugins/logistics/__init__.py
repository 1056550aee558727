"""The logistics plugin."""
