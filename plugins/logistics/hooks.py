"""Hook implementations of the logistics plugin."""
from core.hookspecs import hookimpl  # noqa: F401
