"""Hook implementations of the billing plugin."""
from core.hookspecs import hookimpl  # noqa: F401
