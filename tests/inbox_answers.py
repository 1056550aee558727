"""What one plugin answers the inbox (its counts, its tasks) and how many SQL statements each answer costs.

Each answer is asked as a request would ask it: in an application and request
context of its own, so with a session that has nothing loaded yet and nothing
remembered from a previous request (the test's own session is left as it is),
the user's roles read beforehand (the request's sign-in loads them).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Callable, TypeVar

from flask import Flask

from core.contracts import Task, TaskCount
from core.extensions import db
from core.inbox import PAGE_SIZE
from core.models import User
from tests.core.test_queries import statements

WRITES = ("INSERT", "UPDATE", "DELETE")
T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """A plugin's inbox answer for one user: counts by kind, every task, the first page, and their costs."""

    counts: dict[str, TaskCount]
    tasks: list[Task]  # without a limit
    page: list[Task]  # the first PAGE_SIZE
    count_statements: int
    list_statements: int  # for the first page
    all_statements: int  # for every task

    @property
    def costs(self) -> tuple[int, int, int]:
        return self.count_statements, self.list_statements, self.all_statements

    @property
    def total(self) -> int:
        return sum(count.total for count in self.counts.values())


def _asked(app: Flask, user_id: int, ask: Callable[[User], T]) -> tuple[T, list[str]]:
    """``ask(user)`` in a request of its own (its own session and ``g``), and the statements it sent."""
    with app.app_context(), app.test_request_context():
        user = db.session.get_one(User, user_id)
        user.permissions, user.role_names  # noqa: B018 - loaded at sign-in, before the page
        with statements(db.engine) as seen:
            result = ask(user)
    assert not [s for s in seen if s.lstrip().upper().startswith(WRITES)], seen  # a read never writes
    return result, seen


def answer(app: Flask, hooks: ModuleType, user_id: int, now: datetime) -> Answer:
    """Ask ``hooks`` (a plugin's hook module) for the user's counts and tasks, counting the statements."""
    counts, counting = _asked(app, user_id, lambda user: hooks.inbox_count(user=user, now=now))
    page, listing = _asked(app, user_id, lambda user: hooks.inbox_tasks(user=user, limit=PAGE_SIZE))
    tasks, listing_all = _asked(app, user_id, lambda user: hooks.inbox_tasks(user=user, limit=None))
    return Answer({count.kind: count for count in counts}, tasks, page, len(counting), len(listing),
                  len(listing_all))


def check_counts_agree(answer: Answer, now: datetime) -> None:
    """The counts are the list's: as many of each kind, as many late, and the first page its beginning."""
    kinds = Counter(task.kind for task in answer.tasks)
    late = Counter(task.kind for task in answer.tasks if task.is_late(now))
    assert {kind: (count.total, count.late) for kind, count in answer.counts.items() if count.total} == {
        kind: (kinds[kind], late[kind]) for kind in kinds}
    assert answer.page == answer.tasks[:PAGE_SIZE]
    undated = [task.due_at is None for task in answer.tasks]
    assert undated == sorted(undated), "tasks with a due time come first"
    dated = [task.due_at for task in answer.tasks if task.due_at is not None]
    assert dated == sorted(dated), "the earliest due first"
