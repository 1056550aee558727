"""Cycle times per stage: how many, the median and the 90th percentile of the time the work took.

The stages are the task facts' (intake: receipt to submission; each review department: a step's opening to
its decision) and the order's lead time (its submission to its delivery). Each percentile is the nearest
rank: the smallest duration at least ``p`` of the durations do not exceed, the ``ceil(p x n)``-th in
ascending order (PostgreSQL's ``percentile_disc``).

It is computed in one SQL statement that works the same on SQLite, which has no percentile function: a
window numbers each group's durations in order (``row_number``) and counts them (``count(*) over``), and
the outer ``GROUP BY`` keeps, per group, the duration whose number is ``ceil(n / 2)`` (``(n + 1) / 2`` in
integer arithmetic) and ``ceil(9n / 10)`` (``(9n + 9) / 10``). The database sorts within the groups
(the index on the company and the moment narrows the rows to the period); one row per stage comes back,
whatever the number of facts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, func, literal, select, type_coerce, union_all

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


def _ranked(stage: Any, department: Any, seconds: Any, source: Any, where: ColumnElement[bool]) -> Select[Any]:
    partition = (stage, department)
    return select(stage.label("stage"), department.label("department"), seconds.label("seconds"),
                  func.row_number().over(partition_by=partition, order_by=seconds).label("rank"),
                  func.count().over(partition_by=partition).label("n")).select_from(source).where(where)


def cycle_times(company_id: int, span: Period) -> list[CycleTime]:
    """The cycle time of every stage with work done in the period: intake, review steps, execution tasks and
    problem cases (per department), then the orders' lead time."""
    tasks = _ranked(type_coerce(KpiTask.stage, String), KpiTask.department, KpiTask.seconds, KpiTask,
                    and_(KpiTask.company_id == company_id, KpiTask.done_at >= span.start, KpiTask.done_at < span.end))
    orders = _ranked(literal(LEAD_TIME, String), literal(None, String), KpiOrder.lead_seconds, KpiOrder,
                     and_(KpiOrder.company_id == company_id, KpiOrder.lead_seconds.is_not(None),
                          KpiOrder.delivered_at >= span.start, KpiOrder.delivered_at < span.end))
    ranked = union_all(tasks, orders).subquery()
    n, rank, seconds = ranked.c.n, ranked.c.rank, ranked.c.seconds
    rows = db.session.execute(
        select(ranked.c.stage, ranked.c.department, func.max(n),
               func.max(case((rank == (n + 1) // 2, seconds))), func.max(case((rank == (9 * n + 9) // 10, seconds))),
               func.sum(seconds))
        .group_by(ranked.c.stage, ranked.c.department)
    ).all()
    found = [CycleTime(stage, department, count, median, p90, round(total / count))
             for stage, department, count, median, p90, total in rows]
    order = {TaskStage.INTAKE.value: 0, TaskStage.REVIEW.value: 1, TaskStage.EXECUTION.value: 2,
             TaskStage.CASE.value: 3, LEAD_TIME: 4}
    return sorted(found, key=lambda time: (order.get(time.stage, 5), time.department or ""))
