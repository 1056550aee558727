"""A plugin that labels a code the core labels already: the app refuses to start."""
from core.hookspecs import hookimpl


@hookimpl
def ordo_labels() -> dict[str, dict[str, str]]:
    return {"audit.action": {"ship": "Sent off"}}
