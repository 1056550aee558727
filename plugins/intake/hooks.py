"""Hook implementations of the intake plugin."""
from core.hookspecs import hookimpl  # noqa: F401
