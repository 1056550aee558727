"""Cycle times per stage: how many, the median and the 90th percentile of the time the work took.

The stages are the task facts' (intake: receipt to submission; each review department: a step's opening to
its decision) and the order's lead time (its submission to its delivery). Each percentile is the nearest
rank: the smallest duration at least ``p`` of the durations do not exceed, the ``ceil(p x n)``-th in
ascending order (PostgreSQL's ``percentile_disc``).

It is computed in one SQL statement, one row per stage whatever the number of facts (the index on the company
and the moment narrows the rows to the period). On PostgreSQL each group's durations are sorted once by an
ordered aggregate into an array and the two ranks picked from it; SQLite, which has neither arrays nor a
percentile function, numbers each group's durations in order with a window (``row_number``), counts them
(``count(*) over``), and the outer ``GROUP BY`` keeps, per group, the duration whose number is ``ceil(n / 2)``
(``(n + 1) / 2`` in integer arithmetic) and ``ceil(9n / 10)`` (``(9n + 9) / 10``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, case, func, literal, select, type_coerce, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by

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


def _by_rank(durations: Any) -> Select[Any]:
    """Portable (SQLite): a window numbers each group's durations in order and counts them; the outer GROUP BY
    keeps the durations numbered ``ceil(n / 2)`` and ``ceil(9n / 10)``."""
    partition = (durations.c.stage, durations.c.department)
    ranked = select(durations.c.stage, durations.c.department, durations.c.seconds,
                    func.row_number().over(partition_by=partition, order_by=durations.c.seconds).label("rank"),
                    func.count().over(partition_by=partition).label("n")).subquery("ranked")
    n, rank, seconds = ranked.c.n, ranked.c.rank, ranked.c.seconds
    return (select(ranked.c.stage, ranked.c.department, func.max(n), func.max(case((rank == (n + 1) // 2, seconds))),
                   func.max(case((rank == (9 * n + 9) // 10, seconds))), func.sum(seconds))
            .group_by(ranked.c.stage, ranked.c.department))


def _sorted_array(durations: Any) -> Select[Any]:
    """PostgreSQL: each group's durations sorted once into an array (an ordered aggregate, no window), and the
    ``ceil(n / 2)``-th and ``ceil(9n / 10)``-th picked from it by integer arithmetic, as the portable query
    does (``percentile_disc(0.9)`` computes its rank in floating point: one too many for n = 70)."""
    seconds = durations.c.seconds
    grouped = select(durations.c.stage, durations.c.department, func.count().label("n"),
                     func.array_agg(aggregate_order_by(seconds, seconds)).label("sorted"),
                     func.sum(seconds).label("total")).group_by(durations.c.stage,
                                                                  durations.c.department).subquery("grouped")
    n = grouped.c.n
    return select(grouped.c.stage, grouped.c.department, n, grouped.c.sorted[(n + 1) // 2],
                  grouped.c.sorted[(9 * n + 9) // 10], grouped.c.total)


def cycle_times(company_id: int, span: Period) -> list[CycleTime]:
    """The cycle time of every stage with work done in the period: intake, review steps, execution tasks and
    problem cases (per department), then the orders' lead time. One statement."""
    durations = _durations(company_id, span)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    rows = db.session.execute(_sorted_array(durations) if postgres else _by_rank(durations)).all()
    found = [CycleTime(stage, department, count, median, p90, round(total / count))
             for stage, department, count, median, p90, total in rows]
    order = {TaskStage.INTAKE.value: 0, TaskStage.REVIEW.value: 1, TaskStage.EXECUTION.value: 2,
             TaskStage.CASE.value: 3, LEAD_TIME: 4}
    return sorted(found, key=lambda time: (order.get(time.stage, 5), time.department or ""))
