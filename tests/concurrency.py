"""Races on PostgreSQL: the same work in several threads, each in its own session, released together."""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask

from core.db import commit
from core.extensions import db


def all_at_once(app: Flask, work: Callable[[Any], object], items: Sequence[Any]) -> list[str]:
    """``work(item)`` for each item in its own thread and session, committed, all released together; the
    failures (any exception is the test's finding)."""
    ready = threading.Barrier(len(items))
    failures: list[str] = []

    def clerk(item: Any) -> None:
        with app.app_context():
            try:
                ready.wait(timeout=30)  # then all at once, as many as the pool has connections for
                work(item)
                commit()
            except Exception as error:  # noqa: BLE001 - a failure of any kind is what the race shows
                failures.append(repr(error))
            finally:
                db.session.remove()

    clerks = [threading.Thread(target=clerk, args=(item,)) for item in items]
    for thread in clerks:
        thread.start()
    for thread in clerks:
        thread.join(timeout=60)
    db.session.expire_all()
    return failures
