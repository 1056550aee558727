"""Cycle times per stage: how many, the median and the 90th percentile of the time the work took.

The stages are the task facts' (intake: receipt to submission; each review department: a step's opening to
its decision) and the order's lead time (its submission to its delivery). Each percentile is the nearest
rank: the smallest duration at least ``p`` of the durations do not exceed, the ``ceil(p x n)``-th in
ascending order (PostgreSQL's ``percentile_disc``).

Two statements, the same whatever the number of facts, one row per stage coming back: the first counts each
stage's durations in the period, the second reads each stage's ``ceil(n / 2)``-th (``(n + 1) / 2`` in integer
arithmetic) and ``ceil(9n / 10)``-th (``(9n + 9) / 10``) at their offsets in the durations as an index holds
them in order, the 90th percentile counted back from the longest (a tenth of the rows read, not nine tenths).
Nothing is sorted: a window numbering every row of the period (the portable one-statement way) sorted them
all, and PostgreSQL's ordered aggregates (``percentile_disc``, an ordered ``array_agg``) sort each stage's rows
too. ``percentile_disc(0.9)`` would also compute its rank in floating point and take the 64th of 70.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, func, literal, select, type_coerce, union_all

from core.extensions import db
from plugins.kpi.facts.models import KpiOrder, KpiTask, TaskStage
from plugins.kpi.indicators.services import Period

LEAD_TIME = "lead_time"  # the stage code of the order's submission to delivery


@dataclass(frozen=True)
class CycleTime:
    stage: str  # "intake", "review" or LEAD_TIME
    department: str | None  # the review step's department; None for intake's and the order's
    count: int
    median_seconds: int
    p90_seconds: int
    average_seconds: int


def _durations(company_id: int, span: Period) -> Any:
    """SQL: every duration of the period with its stage and department: the tasks done, the orders delivered."""
    tasks = select(type_coerce(KpiTask.stage, String).label("stage"), KpiTask.department.label("department"),
                   KpiTask.seconds.label("seconds")).where(
        KpiTask.company_id == company_id, KpiTask.done_at >= span.start, KpiTask.done_at < span.end)
    orders = select(literal(LEAD_TIME, String).label("stage"), literal(None, String).label("department"),
                    KpiOrder.lead_seconds.label("seconds")).where(
        KpiOrder.company_id == company_id, KpiOrder.lead_seconds.is_not(None),
        KpiOrder.delivered_at >= span.start, KpiOrder.delivered_at < span.end)
    return union_all(tasks, orders).subquery("durations")


def _ranked(company_id: int, span: Period) -> list[tuple[Any, ...]]:
    """Each group's count and sum (one GROUP BY), then every group's two ranks in one statement, each the row at
    its offset in the group's durations read in order from an index (``ix_kpi_task_durations``,
    ``ix_kpi_order_lead``), from the nearer end: nothing sorted. Two statements, whatever the number of facts."""
    durations = _durations(company_id, span)
    groups = db.session.execute(
        select(durations.c.stage, durations.c.department, func.count(), func.sum(durations.c.seconds))
        .group_by(durations.c.stage, durations.c.department)).all()
    if not groups:
        return []
    picks = []
    for index, (stage, department, count, _total) in enumerate(groups):
        if stage == LEAD_TIME:
            seconds: Any = KpiOrder.lead_seconds
            durations_of = select(seconds.label("seconds")).where(
                KpiOrder.company_id == company_id, seconds.is_not(None), KpiOrder.delivered_at >= span.start,
                KpiOrder.delivered_at < span.end)
        else:
            seconds = KpiTask.seconds
            durations_of = select(seconds.label("seconds")).where(
                KpiTask.company_id == company_id, KpiTask.stage == TaskStage(stage), KpiTask.department == department,
                KpiTask.done_at >= span.start, KpiTask.done_at < span.end)
        for which, rank in ((0, (count + 1) // 2), (1, (9 * count + 9) // 10)):
            # From whichever end is nearer: the 90th percentile is the (n - rank + 1)-th from the longest.
            if rank - 1 <= count - rank:
                at = durations_of.order_by(seconds).limit(1).offset(rank - 1)
            else:
                at = durations_of.order_by(seconds.desc()).limit(1).offset(count - rank)
            picked = at.subquery()
            picks.append(select(literal(index).label("grp"), literal(which).label("which"), picked.c.seconds))
    found = {(grp, which): seconds for grp, which, seconds in db.session.execute(union_all(*picks))}
    # A stage whose facts were deleted between the two statements (a rebuild committing) has no rank to show.
    return [(stage, department, count, found[(index, 0)], found[(index, 1)], total)
            for index, (stage, department, count, total) in enumerate(groups)
            if (index, 0) in found and (index, 1) in found]


def cycle_times(company_id: int, span: Period) -> list[CycleTime]:
    """The cycle time of every stage with work done in the period: intake, review steps, execution tasks and
    problem cases (per department), then the orders' lead time. Two statements."""
    rows = _ranked(company_id, span)
    found = [CycleTime(stage, department, count, median, p90, round(total / count))
             for stage, department, count, median, p90, total in rows]
    order = {TaskStage.INTAKE.value: 0, TaskStage.REVIEW.value: 1, TaskStage.EXECUTION.value: 2,
             TaskStage.CASE.value: 3, LEAD_TIME: 4}
    return sorted(found, key=lambda time: (order.get(time.stage, 5), time.department or ""))
