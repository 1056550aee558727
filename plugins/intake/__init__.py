"""The intake plugin."""
