"""Values read once per unit of work: the company's modules, settings and calendar, a user's permissions.

A portal page asks "which modules does this company use?", "what is its
calendar?" or "may this user see prices?" dozens of times, from the core and
from every plugin's hooks; each answer is a query (or a walk over the user's
roles) that cannot change while nothing is written. ``remembered`` keeps such
an answer in the session's ``info`` until the session writes: any flush,
commit or rollback, or an INSERT, UPDATE or DELETE sent through the session,
forgets everything remembered, so a read after a write sees the write. A
request's session ends with the request, so nothing outlives it; a worker's
job, which commits, starts afresh after each commit.

Only plain values belong here (frozensets, dataclasses, numbers), or rows the
session itself holds: never something a caller will change.

SQLAlchemy has no cache of query results (its ``identity map`` answers
``session.get`` by key only, and not for rows that do not exist), hence this
small module.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from core.extensions import db

T = TypeVar("T")

_KEY = "ordo.memo"
_WROTE = "ordo.wrote"
# Commits of a write made by this process's sessions: an answer kept across requests (the menu's task
# count) is stale once this moves. A request that only reads commits nothing it counts.
_commits = 0


def remembered(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, or what it returned earlier in this session since the session last wrote."""
    memo: dict[Hashable, Any] = db.session.info.setdefault(_KEY, {})
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = load()
        return value


def forget(session: Session) -> None:
    """Drop what ``session`` remembers; done on every write, and by hand where a change bypasses the session."""
    memo = session.info.get(_KEY)
    if memo:
        memo.clear()


def forget_all() -> None:
    """Drop what the current session remembers, if there is one: for a change not yet flushed
    (a role given to a user) that a remembered answer depends on."""
    if has_app_context():
        forget(db.session())


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    _wrote(session)


def commits() -> int:
    """How many commits of a write (a flush, or an INSERT, UPDATE or DELETE sent through a session) this process
    has made so far: what an answer kept across requests compares with."""
    return _commits


def _wrote(session: Session) -> None:
    session.info[_WROTE] = True
    forget(session)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    global _commits
    if session.info.pop(_WROTE, False):
        _commits += 1
    forget(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    forget(session)


@event.listens_for(Session, "do_orm_execute")
def _on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _wrote(state.session)
