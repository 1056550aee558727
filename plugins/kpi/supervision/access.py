"""Who reads the confidential channel: the guard its pages and API wear under ``requires``.

``refused_to`` on the guarded view names the permissions whose holders are refused whatever else they
hold (an administrator holds every permission by default), so the role-route test knows the rule.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from core.auth.context import require_actor
from plugins.kpi.supervision.violations import ADMINISTERING, require_handler

P = ParamSpec("P")
R = TypeVar("R")


def confidential(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse anyone who may not read the channel, before the view reads a thing."""
    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        require_handler(require_actor())
        return view(*args, **kwargs)

    guarded.refused_to = ADMINISTERING  # type: ignore[attr-defined]
    return guarded
