"""The billing plugin."""
