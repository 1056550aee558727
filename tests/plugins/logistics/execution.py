"""Execution templates, calendars and plans for the execution tests, set up the way an administrator would."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import event

from core import calendar
from core.db import commit
from core.extensions import db
from plugins.logistics.execution import catalog
from plugins.logistics.execution.models import ExecutionTemplate
from tests.factories import World

# The procedure's production line: material, production, quality check, packing, dispatch, one after another.
STANDARD_TASKS: list[dict[str, Any]] = [
    {"key": "material", "name": "备料", "kind": "preparation", "role": "production", "hours": "8"},
    {"key": "make", "name": "生产", "kind": "production", "role": "production", "hours": "16",
     "depends_on": ["material"]},
    {"key": "check", "name": "质检", "kind": "quality", "role": "production", "hours": "4", "depends_on": ["make"]},
    {"key": "pack", "name": "包装", "kind": "packing", "role": "logistics", "hours": "2", "depends_on": ["check"]},
    {"key": "ship", "name": "发货", "kind": "dispatch", "role": "logistics", "hours": "2", "depends_on": ["pack"]},
]


def tasks_in_a_chain(count: int, hours: str = "1") -> list[dict[str, Any]]:
    """``count`` tasks each waiting for the one before: the first one is production."""
    return [{"key": f"t{n}", "name": f"工序 {n}", "kind": "production" if n == 1 else "other",
             "role": "production", "hours": hours, **({"depends_on": [f"t{n - 1}"]} if n > 1 else {})}
            for n in range(1, count + 1)]


def template(world: World, tasks: list[dict[str, Any]] | None = None, *, code: str = "STD",
             name: str = "标准阀门", default: bool = True, products: list[int] | None = None) -> ExecutionTemplate:
    made = catalog.create_template(world.users["administrator"], {
        "code": code, "name": name, "is_default": default, "tasks": tasks or STANDARD_TASKS,
        "product_ids": products or []})
    commit()
    return made


def office_hours(world: World, holidays: dict[date, str] | None = None) -> None:
    """Monday to Friday, 09:00 to 18:00, with these holidays."""
    calendar.set_calendar(world.company.id, weekdays=[1, 2, 3, 4, 5], day_start=time(9), day_end=time(18),
                          holidays=holidays or {})
    commit()


def a_tuesday_after_a_holiday(weeks: int = 3) -> date:
    """A Tuesday some weeks ahead; the Friday before it is the holiday the tests give the calendar."""
    day = date.today() + timedelta(weeks=weeks)
    return day + timedelta(days=(1 - day.weekday()) % 7)




@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    seen: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
