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

An answer that names the tables it is read from (``tables=``) is forgotten only
when a write touches one of them: the company's calendar stays known while a
request writes an order, its audit entries and its tasks. A write whose tables
are not known (a statement sent through the session that names none) forgets
everything, as does ``forget``.

Only plain values belong here (frozensets, dataclasses, numbers), or rows the
session itself holds: never something a caller will change.

SQLAlchemy has no cache of query results (its ``identity map`` answers
``session.get`` by key only, and not for rows that do not exist), hence this
small module.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable
from typing import Any, TypeVar

from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from core.extensions import db

T = TypeVar("T")

_KEY = "ordo.memo"
_WROTE = "ordo.wrote"
# Commits of a write made by this process's sessions: an answer kept across requests (the menu's task
# count) is stale once this moves. A request that only reads commits nothing it counts.
_commits = 0


def remembered(key: Hashable, load: Callable[[], T], *, tables: Collection[str] | None = None,
               autoflush: bool = False) -> T:
    """``load()``, or what it returned earlier in this session since the session last wrote.

    With ``tables`` (the names of the tables ``load`` reads), only a write to one of them forgets it.
    ``autoflush`` first flushes what the session holds unwritten, as the query would: for an answer that rows
    added in this unit of work change (what was paid of an order), not for settings read before any change.
    """
    session = db.session()
    if autoflush and session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    memo: dict[Hashable, tuple[Any, frozenset[str] | None]] = session.info.setdefault(_KEY, {})
    try:
        return memo[key][0]
    except KeyError:
        value = load()
        memo[key] = (value, frozenset(tables) if tables is not None else None)
        return value


def remember(key: Hashable, value: T, *, tables: Collection[str] | None = None) -> T:
    """Keep ``value`` as the answer to ``key``, read along with something else (the token's permissions)."""
    memo: dict[Hashable, tuple[Any, frozenset[str] | None]] = db.session.info.setdefault(_KEY, {})
    memo[key] = (value, frozenset(tables) if tables is not None else None)
    return value


def recalled(key: Hashable) -> Any:
    """What is remembered as ``key`` in this session, or None."""
    found = db.session.info.get(_KEY, {}).get(key)
    return None if found is None else found[0]


def forget(session: Session, written: Iterable[str] | None = None) -> None:
    """Drop what ``session`` remembers: everything, or (given the tables ``written``) what was read from them.

    Done on every write, and by hand where a change bypasses the session.
    """
    memo = session.info.get(_KEY)
    if not memo:
        return
    if written is None:
        memo.clear()
        return
    touched = frozenset(written)
    for key in [key for key, (_value, tables) in memo.items() if tables is None or tables & touched]:
        del memo[key]


def forget_all() -> None:
    """Drop what the current session remembers, if there is one: for a change not yet flushed
    (a role given to a user) that a remembered answer depends on."""
    if has_app_context():
        forget(db.session())


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # The session's new, dirty and deleted rows are still those the flush wrote.
    _wrote(session, {table.name for rows in (session.new, session.dirty, session.deleted) for row in rows
                     for table in inspect(row).mapper.tables})


def commits() -> int:
    """How many commits of a write (a flush, or an INSERT, UPDATE or DELETE sent through a session) this process
    has made so far: what an answer kept across requests compares with."""
    return _commits


def _wrote(session: Session, tables: set[str] | None) -> None:
    session.info[_WROTE] = True
    forget(session, tables)


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
        # An INSERT, UPDATE or DELETE names its table; anything else written forgets everything.
        name = getattr(getattr(state.statement, "table", None), "name", None)
        _wrote(state.session, {name} if isinstance(name, str) else None)
