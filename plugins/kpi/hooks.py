"""Hook implementations of the kpi plugin."""
from core.hookspecs import hookimpl  # noqa: F401
