"""Hook implementations of the review plugin."""
from core.hookspecs import hookimpl  # noqa: F401
