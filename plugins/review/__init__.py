"""The review plugin."""
