"""The task inbox: what every plugin taking part says is waiting for a user, counted and paged.

Every portal page shows how many tasks wait (the menu's count): it asks each
plugin to count them in the database (``inbox_count``), never to list them.
The inbox page and ``GET /api/v1/tasks`` list a page of them: each plugin
gives its most urgent tasks up to the end of that page (``inbox_tasks``), the
core merges them, most urgent first, and cuts the page out. The inbox pages
through the first :data:`MAX_LISTED` tasks; the rest are in each kind's own
list, which the counts name.

The menu's count is kept across requests (:func:`badge_counts`): counting every
kind is a few aggregates over the open work of the whole company (a third of a
second at 100,000 orders on SQLite), and every page shows it. A kept count is
used for at most ``ORDO_INBOX_BADGE_SECONDS`` (30) and only while nothing was written since it
was counted: no commit in this process (``core.session_memo.commits``) and no
new audit entry from any process (every event, decision and change writes
one). The inbox page and ``GET /api/v1/tasks`` show the same kept counts over
the tasks they list, which are always read afresh: a count kept is a count
nothing has changed since (but for a task turning late meanwhile).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _

from sqlalchemy import func, select

from core.contracts import Task, TaskCount
from core.errors import ValidationError
from core.extensions import db
from core.models import AuditEntry, User
from core.modules import modules_in_use
from core.plugins import HookSubset, registry
from core.session_memo import commits

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# How far the inbox pages: past this, a user goes to each kind's own list, where filters and sorting help.
MAX_LISTED = 500
_UNDATED = datetime.max.replace(tzinfo=timezone.utc)  # tasks without a due time come after the others
# Users whose menu count a process keeps, the most recent.
BADGE_USERS = 1_000


@dataclass(frozen=True)
class Counts:
    """How many tasks wait for a user, by kind, and how many of them are late."""

    kinds: tuple[TaskCount, ...]

    @property
    def total(self) -> int:
        return sum(count.total for count in self.kinds)

    @property
    def late(self) -> int:
        return sum(count.late for count in self.kinds)


@dataclass(frozen=True)
class InboxPage:
    """One page of a user's tasks, most urgent first, with the totals of all of them."""

    tasks: list[Task]
    counts: Counts
    page: int
    per_page: int

    @property
    def listed(self) -> int:
        """How many of the tasks the inbox pages through."""
        return min(self.counts.total, MAX_LISTED)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.listed

    @property
    def capped(self) -> bool:
        """Whether more tasks wait than the inbox pages through."""
        return self.counts.total > MAX_LISTED


def _hooks(user: User) -> HookSubset:
    # Modules switched off still list the work of orders that started with them.
    return registry().hooks_for(modules_in_use(user.company_id))


def counts_for(user: User, now: datetime) -> Counts:
    """How many tasks every plugin taking part has for the user, kind by kind (kinds with none left out)."""
    kinds = [count for contribution in _hooks(user).inbox_count(user=user, now=now) for count in contribution]
    return Counts(tuple(count for count in kinds if count.total))


@dataclass(frozen=True)
class _Kept:
    counts: Counts
    at: datetime
    version: tuple[int, int | None]
    permissions: frozenset[str]


_kept: OrderedDict[tuple[str, int], _Kept] = OrderedDict()
_kept_lock = threading.Lock()


def _version() -> tuple[int, int | None]:
    """What has been written: this process's commits, and the newest audit entry of any process."""
    return commits(), db.session.execute(select(func.max(AuditEntry.id))).scalar()


def badge_counts(user: User, now: datetime) -> Counts:
    """The menu's count: kept from an earlier request when it is recent and nothing was written since, else
    counted (and kept)."""
    # How long it may be shown without counting again when nothing was written: a task turning late is the
    # only change that writes nothing.
    kept_for = timedelta(seconds=current_app.config.get("ORDO_INBOX_BADGE_SECONDS", 30))
    version = _version()
    with _kept_lock:
        kept = _kept.get(_key(user))
    if (kept is not None and kept.version == version and kept.permissions == user.permissions
            and timedelta(0) <= now - kept.at < kept_for):
        return kept.counts
    return _counted(user, now, version)


def _key(user: User) -> tuple[str, int]:
    return str(db.engine.url), user.id  # a process may serve more than one database (the tests do)


def _counted(user: User, now: datetime, version: tuple[int, int | None]) -> Counts:
    counts = counts_for(user, now)
    with _kept_lock:
        _kept[_key(user)] = _Kept(counts, now, version, user.permissions)
        _kept.move_to_end(_key(user))
        while len(_kept) > BADGE_USERS:
            _kept.popitem(last=False)
    return counts


def tasks_for(user: User, limit: int | None = None) -> list[Task]:
    """The user's ``limit`` most urgent tasks from every plugin taking part (all of them for ``None``).

    By due time, earliest first, then those without one; tasks due at the same
    time (or undated) keep the order their plugin gave them, plugin after
    plugin in the hook's fixed calling order, so that a longer list begins with
    a shorter one and pages neither repeat nor skip a task.
    """
    tasks = [task for contribution in _hooks(user).inbox_tasks(user=user, limit=limit) for task in contribution]
    tasks.sort(key=lambda task: task.due_at or _UNDATED)  # a stable sort: ties keep their order
    return tasks if limit is None else tasks[:limit]


def page_for(user: User, now: datetime, page: int = 1, per_page: int = PAGE_SIZE,
             counts: Counts | None = None) -> InboxPage:
    """Page ``page`` of the user's tasks, ``per_page`` to a page, with their counts (given, or counted now)."""
    check_page(page, per_page)
    start = (page - 1) * per_page
    end = min(start + per_page, MAX_LISTED)
    return InboxPage(tasks_for(user, end)[start:end], counts or badge_counts(user, now), page, per_page)


def check_page(page: int, per_page: int) -> None:
    """Refuse a page the inbox does not list, saying how far it goes."""
    if not 1 <= per_page <= MAX_PAGE_SIZE:
        raise ValidationError(_("per_page must be a whole number from 1 to %(max)s", max=MAX_PAGE_SIZE),
                              field="per_page")
    last = -(-MAX_LISTED // per_page)
    if not 1 <= page <= last:
        raise ValidationError(
            _("page must be a whole number from 1 to %(last)s: the inbox lists the %(max)s most urgent tasks, "
              "and each kind's own list has all of them", last=last, max=MAX_LISTED), field="page")


def page_number(raw: str | None) -> int:
    """The page a query string asks for (the first when it names none); anything but a whole number is refused."""
    if raw is None or raw == "":
        return 1
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        last = -(-MAX_LISTED // PAGE_SIZE)
        raise ValidationError(_("page must be a whole number from 1 to %(last)s", last=last), field="page")
    return int(text)


def kinds_of(counts: Counts) -> Sequence[TaskCount]:
    """The kinds of task waiting, most first: the inbox's summary."""
    return sorted(counts.kinds, key=lambda count: (-count.late, -count.total, count.label))
