"""The task inbox: what every enabled plugin says is waiting for a user."""
from __future__ import annotations

from datetime import datetime, timezone

from core.contracts import Task
from core.models import User
from core.modules import modules_in_use
from core.plugins import registry

_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def tasks_for(user: User) -> list[Task]:
    """The user's tasks from every enabled plugin, most urgent first."""
    # Modules switched off still list the work of orders that started with them.
    hooks = registry().hooks_for(modules_in_use(user.company_id))
    tasks = [task for contribution in hooks.inbox_tasks(user=user) for task in contribution]
    return sorted(tasks, key=lambda t: (t.due_at or _FAR_FUTURE, t.title))
