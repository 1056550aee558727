"""The task inbox: what every enabled plugin says is waiting for a user."""
from __future__ import annotations

from datetime import datetime, timezone

from core.contracts import Task
from core.models import User
from core.modules import hooks_for_company

_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


def tasks_for(user: User) -> list[Task]:
    """The user's tasks from every enabled plugin, most urgent first."""
    tasks = [task for contribution in hooks_for_company(user.company_id).inbox_tasks(user=user)
             for task in contribution]
    return sorted(tasks, key=lambda t: (t.due_at or _FAR_FUTURE, t.title))
