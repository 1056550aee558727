"""The date arithmetic of a plan: due dates counted back from the deadline, and the earliest finish from now.

Pure functions over tasks as scheduling sees them (:class:`Step`): no database, no
request. Due dates run backwards from the plan's deadline through the dependencies in
the company's working calendar: a task with nothing after it is due at the deadline
(the last working moment before it), and every other task is due when the first of
the tasks waiting for it must start. A plan is on time while no open task's latest
start (its due date less its working hours) has passed; when one has, the earliest
finish counts forwards from now and names the first day the plan can meet.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.calendar import Calendar


@dataclass(frozen=True)
class Step:
    """A task as scheduling sees it: what it is called, how long it takes, what it waits for."""

    ref: Hashable  # the task's key in a template, its id in a plan
    name: str
    hours: Decimal
    depends_on: tuple[Hashable, ...] = ()


class Cycle(ValueError):
    """The dependencies go round: ``names`` is the loop, first task repeated at its end."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(" → ".join(names))
        self.names = tuple(names)


def deadline_of(day: date, zone: ZoneInfo) -> datetime:
    """The moment a plan for ``day`` must be done: the start of that day in the company's time.

    The goods leave by the start of the promised day, as logistics' shipping task says.
    """
    return datetime.combine(day, time.min, tzinfo=zone)


def ordered(steps: Iterable[Step]) -> list[Step]:
    """The steps with every step after those it waits for; a loop raises :class:`Cycle` naming it.

    A dependency on a step not given is ignored (a task of another plan, a removed one).
    """
    by_ref = {step.ref: step for step in steps}
    state: dict[Hashable, str] = {}
    result: list[Step] = []

    def visit(step: Step, path: list[Step]) -> None:
        if state.get(step.ref) == "done":
            return
        if state.get(step.ref) == "visiting":
            loop = path[[s.ref for s in path].index(step.ref):] + [step]
            raise Cycle([s.name for s in loop])
        state[step.ref] = "visiting"
        for ref in step.depends_on:
            if ref in by_ref:
                visit(by_ref[ref], [*path, step])
        state[step.ref] = "done"
        result.append(step)

    for step in by_ref.values():
        visit(step, [])
    return result


def due_dates(steps: Sequence[Step], deadline: datetime, calendar: Calendar) -> dict[Hashable, datetime]:
    """Each step's due date, counted back from ``deadline`` through the dependencies in working hours."""
    order = ordered(steps)
    waiting: dict[Hashable, list[Step]] = {step.ref: [] for step in order}
    for step in order:
        for ref in step.depends_on:
            if ref in waiting:
                waiting[ref].append(step)
    last = calendar.subtract(deadline, 0)
    due: dict[Hashable, datetime] = {}
    for step in reversed(order):
        after = waiting[step.ref]
        due[step.ref] = min((latest_start(calendar, due[later.ref], later.hours) for later in after), default=last)
    return due


def latest_start(calendar: Calendar, due: datetime, hours: Decimal) -> datetime:
    """When work of ``hours`` working hours due at ``due`` must start."""
    return calendar.subtract(due, float(hours))


def earliest_finish(steps: Sequence[Step], now: datetime, calendar: Calendar,
                    finished: Mapping[Hashable, datetime], started: Mapping[Hashable, datetime]) -> datetime:
    """When the steps can all be done at the soonest, working from ``now``.

    ``finished`` steps are done (at their time); a ``started`` step counts its hours from its start,
    or from now if that is later; every other step starts once those it waits for are done.
    """
    finish: dict[Hashable, datetime] = {}
    for step in ordered(steps):
        if step.ref in finished:
            finish[step.ref] = finished[step.ref]
            continue
        begin = max([now, *(finish[ref] for ref in step.depends_on if ref in finish)])
        if step.ref in started:
            finish[step.ref] = max(calendar.add(started[step.ref], float(step.hours)), calendar.add(now, 0))
        else:
            finish[step.ref] = calendar.add(begin, float(step.hours))
    return max(finish.values(), default=now)


def first_day_after(moment: datetime, zone: ZoneInfo) -> date:
    """The first day whose start is not before ``moment``: the promise a plan finishing then can keep."""
    local = moment.astimezone(zone)
    return local.date() if local.time() == time.min else local.date() + timedelta(days=1)
