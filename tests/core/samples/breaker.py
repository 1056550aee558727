"""A plugin whose job writes for each company using it and then fails."""
from __future__ import annotations

from datetime import datetime, timedelta

from core import audit
from core.contracts import Job
from core.hookspecs import hookimpl
from core.jobs import companies_using


def check_shelves(now: datetime) -> str:
    for company in companies_using("breaker"):
        audit.record(company_id=company.id, entity="job", entity_id=None, action="shelf_checked", actor=None)
    raise RuntimeError("the shelf broke")


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("breaker.fail", every=timedelta(minutes=1), run=check_shelves)]
